/**
 * Fuzzing the ISO reader: small xorriso-built images (Rock Ridge with CE and relocation,
 * Joliet, El Torito) mutated with a seeded PRNG and opened in memory. Every outcome must be
 * success or an IsoError; anything else (TypeError, RangeError from a DataView, a hang caught
 * by the runner's timeout) is a bug. Shared by the unit test and test/fuzz/iso-fuzz.ts.
 */
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryByteSource } from '../../src-main/iso/byte-source.ts';
import { IsoError, IsoImage, type OpenOptions } from '../../src-main/iso/iso-image.ts';
import { ISOLINUX_BIN, LONG_NAME, mkisofs, UNICODE_NAME } from './iso-fixtures.ts';
import { randomInt as int, seededBytes, seededRandom } from './seeded-random.ts';

export type Rng = () => number;

/** Builds the fuzz corpus in `dir`; returns the images' bytes. Kept small so copies are cheap. */
export async function buildFuzzCorpus(dir: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const src = join(dir, 'fuzz-src');
  await mkdir(join(src, 'a/b/c/d/e/f/g/h/i/j'), { recursive: true });
  await writeFile(join(src, 'a/b/c/d/e/f/g/h/i/j/deep'), 'deep\n');
  await writeFile(join(src, LONG_NAME), 'long\n');
  await writeFile(join(src, UNICODE_NAME), 'unicode\n');
  await symlink('a/b', join(src, 'link'));
  await mkdir(join(src, 'many'));
  for (let i = 0; i < 40; i++) await writeFile(join(src, 'many', `entry-with-a-longish-name-${i}.txt`), seededBytes(i * 11, i + 1));
  await mkdir(join(src, 'boot'));
  await copyFile(ISOLINUX_BIN, join(src, 'boot', 'isolinux.bin'));
  await writeFile(join(src, 'boot', 'efi.img'), seededBytes(8192, 5));
  const eltorito = ['-b', 'boot/isolinux.bin', '-c', 'boot/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-eltorito-alt-boot', '-e', 'boot/efi.img', '-no-emul-boot'];
  const variants: [string, string[]][] = [
    ['rr-joliet-eltorito', ['-R', '-J', '-joliet-long', ...eltorito]],
    ['rr-relocated', ['-R', '-rr_reloc_dir', 'RR_MOVED']],
    ['joliet-only', ['--norock', '-J']],
  ];
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const [name, args] of variants) {
    const path = join(dir, `${name}.iso`);
    mkisofs([...args, '-no-pad', '-V', name.toUpperCase().slice(0, 16), '-o', path, src]);
    out.push({ name, bytes: new Uint8Array(await readFile(path)) });
  }
  return out;
}

/**
 * One mutated copy. Most edits land in the metadata (descriptors, path tables, directories,
 * continuation areas, boot catalog: the first sectors of a small image), where they matter.
 */
export function mutate(base: Uint8Array, r: Rng): Uint8Array {
  let b = base.slice();
  const hot = Math.min(b.length, 64 * 2048);
  const where = () => (r() < 0.85 ? 16 * 2048 + int(r, hot - 16 * 2048) : int(r, b.length));
  const edits = 1 + int(r, 8);
  for (let i = 0; i < edits; i++) {
    const kind = r();
    const at = where();
    if (kind < 0.35) b[at] = b[at]! ^ (1 << int(r, 8));
    else if (kind < 0.55) b[at] = [0, 0xff, 1, 0x80, int(r, 256)][int(r, 5)]!;
    else if (kind < 0.8 && at + 8 <= b.length) {
      // A both-endian 32-bit field with an interesting value: sector numbers and lengths.
      const v = [0, 1, 0xffffffff, 0x7fffffff, int(r, 0x100000000), int(r, b.length), int(r, b.length >> 11), 2048, 0x800_0000][int(r, 9)]!;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      dv.setUint32(at, v >>> 0, true);
      if (r() < 0.5) dv.setUint32(at + 4, v >>> 0, false);
    } else if (kind < 0.95) {
      const len = 1 + int(r, 64);
      const from = where();
      if (from + len <= b.length && at + len <= b.length) b.copyWithin(at, from, from + len);
    } else {
      b = b.subarray(0, int(r, b.length));
    }
  }
  return b;
}

export type Outcome = 'ok' | 'iso-error';

/** Opens and exercises an image the way Bootcast does; rethrows anything that is not an IsoError. */
export async function exercise(bytes: Uint8Array, name: string, r: Rng, opts: OpenOptions = {}): Promise<Outcome> {
  let img: IsoImage | undefined;
  try {
    img = await IsoImage.fromSource(new MemoryByteSource(bytes), name, opts);
    await img.summary();
    const files: string[] = [];
    let seen = 0;
    for await (const e of img.walk({ includeBoot: true })) {
      if (++seen > 5000) break;
      if (e.kind === 'file' && r() < 0.25) files.push(e.path);
      if (r() < 0.1) await img.stat(e.path.toUpperCase(), { caseInsensitive: true });
    }
    for (const f of files.slice(0, 8)) {
      const chunks = img.createReadStream(f, int(r, 4096), r() < 0.5 ? undefined : int(r, 1 << 20));
      let total = 0;
      for await (const c of chunks) {
        total += (c as Buffer).length;
        if (total > 4 << 20) break;
      }
      await img.readFile(f, { maxBytes: 1 << 20, caseInsensitive: true }).catch((e: unknown) => {
        if (!(e instanceof IsoError && e.code === 'too-large')) throw e;
      });
    }
    if (img.size > 0) await img.readAt(int(r, img.size), 1);
    return 'ok';
  } catch (err) {
    if (err instanceof IsoError) return 'iso-error';
    throw err;
  } finally {
    await img?.close();
  }
}

export interface FuzzReport {
  cases: number;
  ok: number;
  isoErrors: number;
}

/** Runs `cases` mutations from `seed`; throws (with seed and case number) on the first bug. */
export async function fuzz(corpus: { name: string; bytes: Uint8Array }[], seed: number, cases: number, deadline = Infinity): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, ok: 0, isoErrors: 0 };
  for (let i = 0; i < cases && Date.now() < deadline; i++) {
    // Each case has its own seed so a failure can be replayed alone.
    const caseSeed = (seed * 1_000_003 + i) >>> 0;
    const r = seededRandom(caseSeed);
    const base = corpus[int(r, corpus.length)]!;
    const bytes = mutate(base.bytes, r);
    try {
      const outcome = await exercise(bytes, `${base.name}#${caseSeed}`, r);
      if (outcome === 'ok') report.ok++;
      else report.isoErrors++;
    } catch (err) {
      const e = err as Error;
      throw new Error(`fuzz case ${i} (seed ${seed}, case seed ${caseSeed}, base ${base.name}) threw ${e.name}: ${e.message}\n${e.stack}`);
    }
    report.cases++;
  }
  return report;
}
