import type { FileRole } from '../../shared/timeline-event.ts';

/**
 * What a requested file is for, guessed from its name when the engine did not say (`role`).
 * The engine knows exactly which files a boot plan serves and should tag events with `role`;
 * this fallback keeps the timeline useful for files it did not tag (a menu entry's kernel,
 * a loader a foreign DHCP server pointed to us).
 */
export function guessFileRole(path: string): FileRole {
  const base = (path.split(/[/\\]/).pop() ?? '').toLowerCase();
  // iPXE and other network bootstrap programs fetched by firmware (PXE/UEFI) over TFTP.
  if (/\.(k?pxe|efi|0|com|lkrn)$/.test(base) || base === 'undionly.kpxe') return 'loader';
  if (/\.ipxe$/.test(base) || base === 'boot.ipxe' || base === 'autoexec.ipxe') return 'script';
  if (/^(vmlinuz|vmlinux|bzimage|linux|kernel)([-._].*)?$/.test(base)) return 'kernel';
  // Microcode images precede the real initrd (archiso loads intel-ucode.img, amd-ucode.img first).
  if (/^(initrd|initramfs|intel-ucode|amd-ucode)([-._].*)?$/.test(base) || /\.cpio(\.\w+)?$/.test(base)) return 'initrd';
  if (/\.(sfs|squashfs|erofs)$/.test(base) || /^airootfs/.test(base) || base === 'filesystem.squashfs') return 'rootfs';
  if (/\.iso$/.test(base)) return 'iso';
  return 'other';
}
