import { describe, expect, it } from 'vitest';
import { transferFileRole } from './boot-relevant-files.ts';

describe('transferFileRole: what a file served over the network is for', () => {
  const cases: [string, ReturnType<typeof transferFileRole>][] = [
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
    // Fedora's live root: the image inventory and the timeline now agree on it.
    ['/images/f/LiveOS/squashfs.img', 'rootfs'],
    ['/ipxe.lkrn', 'loader'],
    ['/images/d/pool/main/l/linux/linux-image-6.1.0-13-amd64.deb', 'other'],
    ['/boot.ipxe?mac=52:54:00:12:34:56&platform=efi', 'script'],
    ['/images/arch/arch/x86_64/airootfs.sha512', 'other'],
    ['/images/u/ubuntu-24.04-desktop-amd64.iso', 'iso'],
    ['/images/u/md5sum.txt', 'other'],
  ];
  it.each(cases)('reads %s as %s', (path, role) => {
    expect(transferFileRole(path)).toBe(role);
  });
});
