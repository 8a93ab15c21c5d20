/**
 * What a file is for, from its path: the one place that reads roles from file names. Two views
 * of the same answer: which files of an image matter for booting it over the network (the
 * recipe code starts from this list), and what a file served over the network is for (the
 * timeline's FileRole). Names are matched case-insensitively because images disagree on case
 * (ISOLINUX/ISOLINUX.CFG on plain ISO 9660, isolinux/isolinux.cfg with Rock Ridge).
 */
import type { FileRole } from '../shared/timeline-event.ts';

export type BootFileRole =
  | 'kernel'
  | 'initrd'
  | 'microcode'
  | 'bootloader-config'
  | 'bios-loader'
  | 'efi-loader'
  | 'efi-image'
  | 'live-root'
  | 'live-dir'
  | 'disk-info'
  | 'tree-info'
  | 'version'
  | 'windows';

export interface BootFile {
  path: string;
  role: BootFileRole;
  kind: 'file' | 'dir' | 'symlink';
  size: number;
}

const KERNEL = /^(vmlinuz|vmlinux|bzimage)([-._].*)?$|^(linux|linux32|linux64|kernel)$|\.l?krn$/;
/** Packages, signatures and notes that merely mention a kernel or initrd in their names. */
const NOT_BOOTABLE = /\.(deb|udeb|rpm|sig|asc|txt|md5|sha256)$/;
const INITRD = /^(initrd|initramfs)([-._].*)?$|\.cpio(\.(gz|xz|zst|lz4))?$/;
const MICROCODE = /^(amd|intel)[-_]ucode\.img$/;
const CONFIG_NAMES = new Set(['isolinux.cfg', 'syslinux.cfg', 'extlinux.conf', 'grub.cfg', 'loopback.cfg', 'pxelinux.cfg']);
const BIOS_LOADERS = new Set(['isolinux.bin', 'ldlinux.c32', 'ldlinux.sys', 'pxelinux.0', 'lpxelinux.0', 'memdisk', 'eltorito.img', 'bios.img']);
const LIVE_ROOT = /\.(squashfs|sfs|erofs)$|^squashfs\.img$|^install\.img$|^rootfs\.img$/;
const LIVE_DIRS = new Set(['casper', 'live', 'liveos', 'pxeboot', 'install.amd', 'install.386', 'install.a64']);

/** Role of one entry by its path, or null when it is not boot-relevant. */
export function bootFileRole(path: string, kind: BootFile['kind']): BootFileRole | null {
  const lower = path.toLowerCase();
  const parts = lower.split('/').filter(Boolean);
  const name = parts[parts.length - 1] ?? '';
  const parent = parts[parts.length - 2] ?? '';
  if (kind === 'dir') return LIVE_DIRS.has(name) ? 'live-dir' : null;
  if (lower === '/.disk/info') return 'disk-info';
  if (lower === '/.treeinfo' || lower === '/.discinfo') return 'tree-info';
  if (name === 'version' && parts.length === 2) return 'version'; // /arch/version and friends
  if (CONFIG_NAMES.has(name)) return 'bootloader-config';
  if (name.endsWith('.cfg') && (parent === 'isolinux' || parent === 'syslinux' || parent === 'grub')) return 'bootloader-config';
  if (name.endsWith('.conf') && (parent === 'entries' || (parent === 'loader' && name === 'loader.conf'))) return 'bootloader-config';
  if (BIOS_LOADERS.has(name)) return 'bios-loader';
  if (name.endsWith('.efi') && parts.includes('efi')) return 'efi-loader';
  if (name === 'efi.img' || name === 'efiboot.img') return 'efi-image';
  if (NOT_BOOTABLE.test(name)) return null;
  if (MICROCODE.test(name)) return 'microcode';
  if (INITRD.test(name)) return 'initrd';
  if (KERNEL.test(name)) return 'kernel';
  if (LIVE_ROOT.test(name)) return 'live-root';
  if (lower === '/sources/boot.wim' || lower === '/bootmgr' || lower === '/boot/bcd') return 'windows';
  return null;
}

/**
 * Directories holding package repositories, never boot files; skipping them keeps a DVD's
 * summary fast (Debian's /pool alone holds tens of thousands of entries).
 */
export const SKIPPED_DIRECTORIES = new Set(['pool', 'dists', 'packages', 'repodata', 'appstream', 'kernel-modules']);

/** What firmware and iPXE fetch that no image holds by these names: network bootstrap programs and iPXE scripts. */
const NETWORK_LOADER = /\.(k?pxe|efi|0|com|lkrn)$/;
const IPXE_SCRIPT = /\.ipxe$/;

/**
 * What a file served over the network is for: the image roles above, plus what only the network
 * serves (first-stage loaders, iPXE scripts, a whole ISO for sanboot or a live system's fetch).
 * The timeline falls back on this when an event carries no role of its own.
 */
export function transferFileRole(path: string): FileRole {
  const clean = (path.split('?')[0] ?? '').replace(/\\/g, '/');
  const name = (clean.split('/').pop() ?? '').toLowerCase();
  if (IPXE_SCRIPT.test(name)) return 'script';
  if (NETWORK_LOADER.test(name)) return 'loader';
  if (name.endsWith('.iso')) return 'iso';
  switch (bootFileRole(clean.startsWith('/') ? clean : `/${clean}`, 'file')) {
    case 'kernel':
      return 'kernel';
    case 'initrd':
    case 'microcode': // loaded as the first initrd (archiso: intel-ucode.img, amd-ucode.img)
      return 'initrd';
    case 'live-root':
      return 'rootfs';
    case 'bios-loader':
    case 'efi-loader':
      return 'loader';
    default:
      return 'other';
  }
}
