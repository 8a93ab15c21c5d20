/**
 * Fixture helpers for the codec tests (DHCP, NBD): bytes written out as hex so a fixture reads
 * like a packet dump, not like a second encoder.
 */
export function hex(...parts: (string | Uint8Array)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part !== 'string') {
      out.push(...part);
      continue;
    }
    const clean = part.replace(/\s+/g, '');
    if (clean.length % 2) throw new Error(`odd hex "${part}"`);
    for (let i = 0; i < clean.length; i += 2) out.push(parseInt(clean.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

/** Lower-case hex with no separators, to compare encoder output with a fixture readably. */
export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function zeros(n: number): Uint8Array {
  return new Uint8Array(n);
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from([...s].map((c) => c.charCodeAt(0)));
}

/** Pads to `length` with zeros (the BOOTP 300-byte minimum). */
export function padTo(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}
