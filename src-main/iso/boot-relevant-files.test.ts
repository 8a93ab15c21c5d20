import { describe, expect, it } from 'vitest';
import { bootFileRole } from './boot-relevant-files.ts';

describe('boot-relevant files', () => {
  it.each([
    ['/casper/vmlinuz', 'kernel'],
    ['/arch/boot/x86_64/vmlinuz-linux', 'kernel'],
    ['/install.amd/vmlinuz', 'kernel'],
    ['/images/pxeboot/vmlinuz', 'kernel'],
    ['/boot/x86_64/loader/linux', 'kernel'],
    ['/ipxe.krn', 'kernel'],
    ['/casper/initrd', 'initrd'],
    ['/arch/boot/x86_64/initramfs-linux.img', 'initrd'],
    ['/live/initrd.img-6.1.0-9-amd64', 'initrd'],
    ['/arch/boot/intel-ucode.img', 'microcode'],
    ['/ISOLINUX/ISOLINUX.CFG', 'bootloader-config'],
    ['/isolinux/txt.cfg', 'bootloader-config'],
    ['/boot/grub/grub.cfg', 'bootloader-config'],
    ['/boot/grub/loopback.cfg', 'bootloader-config'],
    ['/loader/loader.conf', 'bootloader-config'],
    ['/loader/entries/01-archiso-x86_64-linux.conf', 'bootloader-config'],
    ['/isolinux/isolinux.bin', 'bios-loader'],
    ['/EFI/BOOT/BOOTX64.EFI', 'efi-loader'],
    ['/boot/grub/efi.img', 'efi-image'],
    ['/casper/filesystem.squashfs', 'live-root'],
    ['/LiveOS/squashfs.img', 'live-root'],
    ['/arch/x86_64/airootfs.sfs', 'live-root'],
    ['/.disk/info', 'disk-info'],
    ['/.treeinfo', 'tree-info'],
    ['/arch/version', 'version'],
    ['/sources/boot.wim', 'windows'],
  ])('classifies %s as %s', (path, role) => {
    expect(bootFileRole(path, 'file')).toBe(role);
  });

  it.each(['/casper', '/live', '/LiveOS', '/images/pxeboot'])('marks the live directory %s', (path) => {
    expect(bootFileRole(path, 'dir')).toBe('live-dir');
  });

  it.each(['/README.txt', '/pool/main/l/linux/linux-image.deb', '/md5sum.txt', '/boot/version/x', '/EFI/boot/readme.efi.txt'])('ignores %s', (path) => {
    expect(bootFileRole(path, 'file')).toBeNull();
  });
});
