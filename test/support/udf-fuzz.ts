/**
 * Fuzzing the UDF reader: small genisoimage (UDF 1.02) and mkudffs + udfclient (UDF 2.01)
 * images whose descriptors are mutated with a seeded PRNG and, most of the time, re-sealed
 * (checksum and CRC recomputed) so the damage gets past the tag check into the parsers behind
 * it. Every outcome must be success or an IsoError. Shared by the unit test and test/fuzz/udf-fuzz.ts.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tagChecksum } from '../../src-main/protocol/udf/tag.ts';
import type { OpenOptions } from '../../src-main/iso/iso-image.ts';
import { exercise, type Rng } from './iso-fuzz.ts';
import { randomInt as int, seededBytes, seededRandom } from './seeded-random.ts';
import { genisoimageUdf, mkudffsImage } from './udf-fixtures.ts';
import { reseal } from './udf-patch.ts';
import type { FuzzReport } from './iso-fuzz.ts';

export interface UdfCorpusImage {
  name: string;
  bytes: Uint8Array;
  open: OpenOptions;
  /** Byte offsets of every descriptor tag in the image (4-byte aligned scan). */
  tags: number[];
}

const DESCRIPTOR_IDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 256, 257, 258, 259, 260, 261, 262, 266]);

function tagsIn(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let at = 16 * 2048; at + 16 <= b.length; at += 4) {
    if (DESCRIPTOR_IDS.has(v.getUint16(at, true)) && v.getUint16(at + 2, true) <= 3 && tagChecksum(b.subarray(at, at + 16)) === b[at + 4] && b[at + 5] === 0) out.push(at);
  }
  return out;
}

export async function buildUdfFuzzCorpus(dir: string): Promise<UdfCorpusImage[]> {
  const src = join(dir, 'udf-fuzz-src');
  await mkdir(join(src, 'a/b/c/d/e/f'), { recursive: true });
  await writeFile(join(src, 'a/b/c/d/e/f/deep'), 'deep\n');
  await writeFile(join(src, 'Grüße-日本語.txt'), 'unicode\n');
  await mkdir(join(src, 'many'));
  for (let i = 0; i < 40; i++) await writeFile(join(src, 'many', `entry-with-a-longish-name-${i}.txt`), seededBytes(i * 11, i + 1));
  await mkdir(join(src, 'sources'));
  await writeFile(join(src, 'sources', 'boot.wim'), seededBytes(20_000, 5));
  genisoimageUdf(src, join(dir, 'fuzz-bridge.iso'));
  const small = join(dir, 'udf-fuzz-small');
  await mkdir(join(small, 'Sources'), { recursive: true });
  await writeFile(join(small, 'Sources', 'boot.wim'), seededBytes(9000, 6));
  mkudffsImage(small, ['Sources'], join(dir, 'fuzz-mkudffs.udf'), 2);
  const out: UdfCorpusImage[] = [];
  for (const [name, file, open] of [
    ['genisoimage-udf', 'fuzz-bridge.iso', { fileSystem: 'udf' }],
    ['mkudffs-udfclient', 'fuzz-mkudffs.udf', {}],
  ] as const) {
    const bytes = new Uint8Array(await readFile(join(dir, file)));
    out.push({ name, bytes, open, tags: tagsIn(bytes) });
  }
  return out;
}

/** One mutated copy: edits inside descriptors, most of them re-sealed afterwards. */
export function mutateUdf(base: UdfCorpusImage, r: Rng): Uint8Array {
  let b = base.bytes.slice();
  const v = new DataView(b.buffer);
  const edits = 1 + int(r, 6);
  const touched = new Set<number>();
  for (let i = 0; i < edits; i++) {
    const tag = base.tags[int(r, base.tags.length)]!;
    touched.add(tag);
    const at = tag + int(r, 2048 - (tag % 2048) || 2048);
    if (at + 8 > b.length) continue;
    const kind = r();
    if (kind < 0.3) b[at] = b[at]! ^ (1 << int(r, 8));
    else if (kind < 0.5) b[at] = [0, 0xff, 1, 0x80, 3, 16, 8][int(r, 7)]!;
    else if (kind < 0.85) {
      // Block numbers, lengths (with extent-type bits), partition references, counts.
      const val = [0, 1, 0xffffffff, 0x7fffffff, 0xc0000800, 0x40000800, int(r, 0x100000000), int(r, b.length >> 11), 2048, tag >> 11][int(r, 10)]!;
      v.setUint32(at - (at % 4), val >>> 0, true);
    } else if (kind < 0.95) {
      const len = 1 + int(r, 64);
      const from = base.tags[int(r, base.tags.length)]! + int(r, 256);
      if (from + len <= b.length && at + len <= b.length) b.copyWithin(at, from, from + len);
    } else {
      b = b.subarray(0, int(r, b.length));
    }
  }
  if (r() < 0.85) for (const t of touched) if (t + 16 <= b.length) reseal(b, t);
  return b;
}

/** Runs `cases` mutations from `seed`; throws (with seed and case number) on the first bug. */
export async function fuzzUdf(corpus: UdfCorpusImage[], seed: number, cases: number, deadline = Infinity): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, ok: 0, isoErrors: 0 };
  for (let i = 0; i < cases && Date.now() < deadline; i++) {
    const caseSeed = (seed * 1_000_003 + i) >>> 0;
    const r = seededRandom(caseSeed);
    const base = corpus[int(r, corpus.length)]!;
    const bytes = mutateUdf(base, r);
    try {
      if ((await exercise(bytes, `${base.name}#${caseSeed}`, r, base.open)) === 'ok') report.ok++;
      else report.isoErrors++;
    } catch (err) {
      const e = err as Error;
      throw new Error(`UDF fuzz case ${i} (seed ${seed}, case seed ${caseSeed}, base ${base.name}) threw ${e.name}: ${e.message}\n${e.stack}`);
    }
    report.cases++;
  }
  return report;
}
