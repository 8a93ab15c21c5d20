import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Deterministic filler, so the kernel is big enough for the download to show progress. */
function filler(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A small ISO laid out like Arch Linux's archiso (what Bootcast's archiso recipe detects):
 * arch/boot/x86_64/{vmlinuz-linux,initramfs-linux.img}, arch/x86_64/airootfs.sfs, arch/version.
 * Nothing in it boots; the UI test only needs detection and files to download.
 */
export async function makeTinyArchiso(outPath: string, options: { rootfsBytes?: number; version?: string } = {}): Promise<void> {
  const tree = await mkdtemp(join(tmpdir(), 'bootcast-archiso-tree-'));
  try {
    await mkdir(join(tree, 'arch/boot/x86_64'), { recursive: true });
    await mkdir(join(tree, 'arch/x86_64'), { recursive: true });
    await writeFile(join(tree, 'arch/boot/x86_64/vmlinuz-linux'), filler(3 << 20, 1));
    await writeFile(join(tree, 'arch/boot/x86_64/initramfs-linux.img'), filler(2 << 20, 2));
    await writeFile(join(tree, 'arch/x86_64/airootfs.sfs'), filler(options.rootfsBytes ?? 1 << 20, 3));
    await writeFile(join(tree, 'arch/version'), `${options.version ?? '2026.11.01'}\n`);
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-iso-level', '3', '-J', '-R', '-V', 'ARCH_202611', '-o', outPath, tree], { stdio: 'pipe' });
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}
