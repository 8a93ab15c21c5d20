/**
 * A Windows PE / Setup medium in the layout Microsoft's images use, built at test time: a real
 * boot.wim (and install.wim) captured by wimlib-imagex, BCD and boot.sdi as placeholders,
 * bootmgr/bootmgfw.efi from the caller (a stand-in EFI program for the e2e boot), written as a
 * genisoimage UDF bridge whose ISO 9660 side is only a README, as on Windows media.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './iso-fixtures.ts';
import { seededBytes } from './seeded-random.ts';
import { genisoimageUdf, stubIso9660Side } from './udf-fixtures.ts';

export const WINDOWS_README = 'This disc contains a "UDF" file system and requires an operating system that supports the ISO-13346 "UDF" file system specification.\r\n';

export interface WindowsMediaOptions {
  /** EFI program placed as efi/boot/bootx64.efi and efi/microsoft/boot/bootmgfw.efi. */
  efiProgram?: string;
  /** Adds sources/install.wim and setup.exe (Setup media rather than plain WinPE). */
  setup?: boolean;
  volumeId?: string;
}

export async function makeWindowsMedia(work: string, image: string, opts: WindowsMediaOptions = {}): Promise<string> {
  const tree = join(work, 'win-tree');
  for (const d of ['boot', 'efi/boot', 'efi/microsoft/boot', 'sources']) await mkdir(join(tree, d), { recursive: true });
  await writeFile(join(tree, 'README.TXT'), WINDOWS_README);
  await writeFile(join(tree, 'bootmgr'), seededBytes(40_000, 11));
  await writeFile(join(tree, 'boot', 'bcd'), seededBytes(16_384, 12));
  await writeFile(join(tree, 'boot', 'boot.sdi'), seededBytes(3 << 20, 13));
  await writeFile(join(tree, 'efi', 'microsoft', 'boot', 'bcd'), seededBytes(16_384, 14));
  const efi = opts.efiProgram;
  for (const target of ['efi/boot/bootx64.efi', 'efi/microsoft/boot/bootmgfw.efi']) {
    if (efi) await copyFile(efi, join(tree, target));
    else await writeFile(join(tree, target), seededBytes(30_000, 15));
  }
  // A small WinPE-like tree captured into a real WIM, so boot.wim parses as one.
  const pe = join(work, 'pe-src');
  await mkdir(join(pe, 'Windows', 'System32'), { recursive: true });
  await writeFile(join(pe, 'Windows', 'System32', 'startnet.cmd'), 'wpeinit\r\n');
  await writeFile(join(pe, 'Windows', 'System32', 'winpe.dat'), seededBytes(200_000, 16));
  run('wimlib-imagex', ['capture', pe, join(tree, 'sources', 'boot.wim'), 'Microsoft Windows PE (amd64)', '--boot', '--compress=none']);
  if (opts.setup) {
    run('wimlib-imagex', ['capture', pe, join(tree, 'sources', 'install.wim'), 'Windows 11 Pro', '--compress=none']);
    await writeFile(join(tree, 'setup.exe'), seededBytes(20_000, 17));
  }
  genisoimageUdf(tree, image, ['-V', opts.volumeId ?? 'CCCOMA_X64FRE_EN-US_DV9']);
  await stubIso9660Side(image);
  return tree;
}
