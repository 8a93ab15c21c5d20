/** mulberry32: a tiny seeded PRNG so a failing fuzz case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, n) drawn from `rand` (n > 0). */
export function randomInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

/** `n` bytes from seededRandom(seed): fixture files that differ in content, not just in size. */
export function seededBytes(n: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = randomInt(rand, 256);
  return out;
}
