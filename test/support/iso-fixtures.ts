/**
 * ISO fixtures built at test time with xorriso (the reference implementation the reader is
 * compared against), and helpers to compare what IsoImage shows with what xorriso extracts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, symlink, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IsoImage } from '../../src-main/iso/iso-image.ts';
import { seededBytes } from './seeded-random.ts';

export const ISOLINUX_BIN = '/usr/lib/ISOLINUX/isolinux.bin';
export const ISOHYBRID_MBR = '/usr/lib/ISOLINUX/isohdpfx.bin';
export const IPXE_ISO = '/usr/lib/ipxe/ipxe.iso';

/** 145 characters: beyond Joliet's 64 (103 with -joliet-long), fits Rock Ridge NM only via CE. */
export const LONG_NAME = 'a-long-name-' + 'x'.repeat(145 - 'a-long-name-'.length - '.txt'.length) + '.txt';
export const UNICODE_NAME = 'Grüße-日本語-файл-ñ.txt';
export const DEEP_DIR = Array.from({ length: 12 }, (_, i) => `level${i + 1}`).join('/');

export function run(cmd: string, args: string[], opts: { input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, input: opts.input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

export function mkisofs(args: string[]): void {
  run('xorriso', ['-as', 'mkisofs', '-quiet', ...args]);
}

/**
 * The standard source tree: long and non-ASCII names, 12 levels of directories, a symlink,
 * a directory with enough entries to span several sectors, mixed-case names, isolinux and a
 * FAT EFI boot image.
 */
export async function makeSourceTree(dir: string): Promise<void> {
  await mkdir(join(dir, DEEP_DIR), { recursive: true });
  await writeFile(join(dir, DEEP_DIR, 'deep.txt'), 'twelve levels down\n');
  await writeFile(join(dir, LONG_NAME), 'long name\n');
  await writeFile(join(dir, UNICODE_NAME), 'ünïcödé\n');
  await symlink('level1/level2', join(dir, 'shortcut'));
  await symlink('/isolinux/isolinux.cfg', join(dir, 'absolute-link'));
  await mkdir(join(dir, 'many'));
  for (let i = 0; i < 150; i++) await writeFile(join(dir, 'many', `file-number-${String(i).padStart(3, '0')}.dat`), seededBytes(i * 37, i + 1));
  await writeFile(join(dir, 'random.bin'), seededBytes(3 << 20 | 123, 42));
  await writeFile(join(dir, 'empty'), '');
  await mkdir(join(dir, 'Boot', 'Grub'), { recursive: true });
  await writeFile(join(dir, 'Boot', 'Grub', 'Grub.CFG'), 'menuentry "x" { linux /casper/vmlinuz }\n');
  await mkdir(join(dir, 'casper'));
  await writeFile(join(dir, 'casper', 'vmlinuz'), seededBytes(70_000, 7));
  await writeFile(join(dir, 'casper', 'initrd'), seededBytes(90_000, 8));
  await mkdir(join(dir, '.disk'));
  await writeFile(join(dir, '.disk', 'info'), 'Fixture Linux 1.0 "Test" - amd64\n');
  await mkdir(join(dir, 'isolinux'));
  await copyFile(ISOLINUX_BIN, join(dir, 'isolinux', 'isolinux.bin'));
  await writeFile(join(dir, 'isolinux', 'isolinux.cfg'), 'default live\nlabel live\n  kernel /casper/vmlinuz\n');
  await mkdir(join(dir, 'EFI', 'boot'), { recursive: true });
  await writeFile(join(dir, 'EFI', 'boot', 'bootx64.efi'), seededBytes(5000, 9));
  run('mkfs.fat', ['-C', join(dir, 'EFI', 'efiboot.img'), '1440']);
}

/** El Torito options: isolinux (BIOS, boot-info-table patched) plus the FAT image (UEFI). */
export const EL_TORITO_ARGS = [
  '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
  '-eltorito-alt-boot', '-e', 'EFI/efiboot.img', '-no-emul-boot',
];

export interface TreeRecord {
  kind: 'file' | 'dir' | 'symlink';
  size?: number;
  sha256?: string;
  target?: string;
}

export function extract(iso: string, dest: string): void {
  run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', dest]);
}

/**
 * xorriso's own view of the El Torito images (-extract_boot_images): files
 * eltorito_img<N>_<platform>.img in catalog order, returned as paths in that order.
 */
export async function extractBootImages(iso: string, dest: string): Promise<string[]> {
  await mkdir(dest, { recursive: true });
  run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract_boot_images', dest + '/']);
  return (await readdir(dest))
    .map((name) => ({ name, n: Number(/^eltorito_img(\d+)_/.exec(name)?.[1]) }))
    .filter((x) => Number.isFinite(x.n))
    .sort((a, b) => a.n - b.n)
    .map((x) => join(dest, x.name));
}

export const MEMTEST_ISO = '/usr/lib/memtest86+/memtest86+x64.iso';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Path → record for a directory on disk (what xorriso extracted). */
export async function diskTree(root: string): Promise<Map<string, TreeRecord>> {
  const out = new Map<string, TreeRecord>();
  async function visit(dir: string, rel: string): Promise<void> {
    for (const name of await readdir(dir)) {
      const full = join(dir, name);
      const path = `${rel}/${name}`;
      const st = await lstat(full);
      if (st.isSymbolicLink()) out.set(path, { kind: 'symlink', target: await readlink(full) });
      else if (st.isDirectory()) {
        out.set(path, { kind: 'dir' });
        await visit(full, path);
      } else out.set(path, { kind: 'file', size: st.size, sha256: await sha256File(full) });
    }
  }
  await visit(root, '');
  return out;
}

export async function sha256Stream(stream: NodeJS.ReadableStream): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Opens the image at `path`, runs `fn` on it and closes it again whatever `fn` does. */
export async function withImage<T>(path: string, fn: (img: IsoImage) => Promise<T>): Promise<T> {
  const img = await IsoImage.open(path);
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

/** Path → record as IsoImage sees it (walk + a stream per file). */
export async function isoTree(img: IsoImage): Promise<Map<string, TreeRecord>> {
  const out = new Map<string, TreeRecord>();
  for await (const e of img.walk()) {
    if (e.kind === 'symlink') out.set(e.path, { kind: 'symlink', target: e.target });
    else if (e.kind === 'dir') out.set(e.path, { kind: 'dir' });
    else out.set(e.path, { kind: 'file', size: e.size, sha256: await sha256Stream(img.createReadStream(e)) });
  }
  return out;
}

/** Sorted plain object, so a mismatch prints as a readable diff. */
export function asSorted(m: Map<string, TreeRecord>): Record<string, TreeRecord> {
  return Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
