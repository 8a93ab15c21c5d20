import { describe, expect, it } from 'vitest';
import { guessFileRole } from './file-role-guess.ts';

describe('guessFileRole', () => {
  const cases: [string, ReturnType<typeof guessFileRole>][] = [
    ['/undionly.kpxe', 'loader'],
    ['ipxe.efi', 'loader'],
    ['/snponly.efi', 'loader'],
    ['/pxelinux.0', 'loader'],
    ['/EFI/BOOT/BOOTX64.EFI', 'loader'],
    ['/boot.ipxe', 'script'],
    ['/images/arch/arch/boot/x86_64/vmlinuz-linux', 'kernel'],
    ['/images/u/casper/vmlinuz', 'kernel'],
    ['/images/f/images/pxeboot/vmlinuz', 'kernel'],
    ['/images/d/live/vmlinuz-6.1.0-13-amd64', 'kernel'],
    ['/images/x/boot/bzImage', 'kernel'],
    ['/images/arch/arch/boot/x86_64/initramfs-linux.img', 'initrd'],
    ['/images/arch/arch/boot/intel-ucode.img', 'initrd'],
    ['/images/arch/arch/boot/amd-ucode.img', 'initrd'],
    ['/images/u/casper/initrd', 'initrd'],
    ['/images/d/live/initrd.img-6.1.0-13-amd64', 'initrd'],
    ['/images/x/root.cpio.gz', 'initrd'],
    ['/images/arch/arch/x86_64/airootfs.sfs', 'rootfs'],
    ['/images/arch/arch/x86_64/airootfs.erofs', 'rootfs'],
    ['/images/u/casper/filesystem.squashfs', 'rootfs'],
    ['/images/f/LiveOS/squashfs.img', 'other'],
    ['/images/u/ubuntu-24.04-desktop-amd64.iso', 'iso'],
    ['/images/u/md5sum.txt', 'other'],
  ];
  it.each(cases)('reads %s as %s', (path, role) => {
    expect(guessFileRole(path)).toBe(role);
  });
});
