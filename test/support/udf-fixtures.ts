/**
 * UDF images built at test time by tools Bootcast does not share code with: genisoimage -udf
 * (UDF 1.02 bridge) and mkudffs + udfclient (UDF 2.01, populated without a loop mount), and
 * 7-Zip's UDF reader as the independent extraction the reader is compared against.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './iso-fixtures.ts';
import { seededBytes } from './seeded-random.ts';

/** No spaces: udfclient's `put` splits its argument on them. */
export const UDF_UNICODE_NAME = 'Grüße-日本語-файл-ñ.txt';
export const UDF_DEEP_DIR = Array.from({ length: 12 }, (_, i) => `level${i + 1}`).join('/');

/**
 * Deep tree, non-ASCII names, a directory spanning several blocks, tiny (embeddable) and larger
 * files. udfclient 0.8 cannot grow a directory past one block nor write an empty file
 * ("logvol discs full"), so its tree (`udfclient: true`) keeps `many` to one block and has no
 * empty file; genisoimage's tree has both.
 */
export async function makeUdfSourceTree(dir: string, opts: { udfclient?: boolean } = {}): Promise<void> {
  await mkdir(join(dir, UDF_DEEP_DIR), { recursive: true });
  await writeFile(join(dir, UDF_DEEP_DIR, 'deep.txt'), 'twelve levels down\n');
  await writeFile(join(dir, UDF_UNICODE_NAME), 'ünïcödé\n');
  await mkdir(join(dir, 'many'));
  for (let i = 0; i < (opts.udfclient ? 16 : 80); i++) await writeFile(join(dir, 'many', `file-number-${String(i).padStart(3, '0')}.dat`), seededBytes(i * 37, i + 1));
  await writeFile(join(dir, 'random.bin'), seededBytes((1 << 20) + 123, 42));
  if (!opts.udfclient) await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'tiny.txt'), 'tiny\n');
  await mkdir(join(dir, 'Sources'));
  await writeFile(join(dir, 'Sources', 'Boot.WIM'), seededBytes(200_000, 5));
}

export function genisoimageUdf(src: string, out: string, extra: string[] = []): void {
  run('genisoimage', ['-quiet', '-udf', '-V', 'UDFBRIDGE', ...extra, '-o', out, src]);
}

/** genisoimage to a pipe and dd conv=sparse: a 4 GiB+ image costs a few MiB of disk. */
export function genisoimageUdfSparse(src: string, out: string): void {
  run('sh', ['-c', `genisoimage -quiet -udf -allow-limited-size -V BIGUDF '${src}' | dd of='${out}' bs=1M iflag=fullblock conv=sparse status=none`]);
}

/**
 * An empty UDF 2.01 volume from mkudffs (extended file entries, a space bitmap), then `names`
 * from `src` copied in with udfclient: no loop mount, no root privileges. udfclient 0.8 fails
 * with "logvol discs full" / "No space left" after a few allocations in a session, and on an
 * empty file, so callers copy a small tree; the rich trees are genisoimage's.
 */
export function mkudffsImage(src: string, names: string[], out: string, sizeMiB: number): void {
  run('truncate', ['-s', `${sizeMiB}M`, out]);
  run('mkudffs', ['--blocksize=2048', '--media-type=hd', '--udfrev=2.01', '--label=MKUDFFS', out]);
  const listing = run('udfclient', ['-b', '2048', out], { input: 'ls\nquit\n' });
  const volume = /(\S+:MKUDFFS\S*)\s*$/m.exec(listing)?.[1];
  if (!volume) throw new Error(`udfclient did not show the volume of ${out}:\n${listing}`);
  run('udfclient', ['-W', '-b', '2048', out], { input: [`lcd ${src}`, `cd /${volume}`, ...names.map((n) => `put ${n}`), 'quit', ''].join('\n') });
}

/** 7-Zip's view of the UDF file system, extracted to `dest`. */
export function extractWith7z(image: string, dest: string): void {
  run('7z', ['x', '-tudf', '-y', `-o${dest}`, image]);
}

/**
 * Makes a genisoimage bridge look like Windows media: the ISO 9660 root keeps '.', '..' and
 * README.TXT, every other record is dropped (the UDF side is untouched). Needs a plain ISO 9660
 * tree (no -J/-r) whose root fits one sector.
 */
export async function stubIso9660Side(image: string): Promise<void> {
  const fh = await open(image, 'r+');
  try {
    const pvd = Buffer.alloc(2048);
    await fh.read(pvd, 0, 2048, 16 * 2048);
    const rootSector = pvd.readUInt32LE(156 + 2);
    const dir = Buffer.alloc(2048);
    await fh.read(dir, 0, 2048, rootSector * 2048);
    const keep: Buffer[] = [];
    for (let at = 0, i = 0; at < 2048 && dir[at]! > 0; at += dir[at]!, i++) {
      const id = dir.subarray(at + 33, at + 33 + dir[at + 32]!).toString('latin1');
      if (i < 2 || id.startsWith('README')) keep.push(Buffer.from(dir.subarray(at, at + dir[at]!)));
    }
    const out = Buffer.alloc(2048);
    Buffer.concat(keep).copy(out);
    await fh.write(out, 0, 2048, rootSector * 2048);
  } finally {
    await fh.close();
  }
}
