import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MemoryImage, type MemoryTree } from '../../../../test/support/memory-image.ts';
import { inspectImage } from '../../inspect-image.ts';
import { rewriteEsxiBootCfg } from '../esxi.ts';

const MiB = 1024 * 1024;
const inspect = (tree: MemoryTree, sizeBytes = 2000 * MiB) => inspectImage(new MemoryImage(tree, '/nonexistent/test.iso'), { sizeBytes });

/** A gzip "initrd" whose cpio names include the d-i retriever of one flavour (only the names matter to the recipe). */
function diInitrd(retriever: 'net-retriever' | 'cdrom-retriever'): Uint8Array {
  const names = ['usr/lib/debian-installer/retriever', `usr/lib/debian-installer/retriever/${retriever}`, 'var/lib/dpkg/status'];
  return gzipSync(Buffer.from(names.map((n) => `070701${'0'.repeat(104)}${n}\0`).join('') + 'x'.repeat(300_000)));
}

function debianIso(initrd: Uint8Array): MemoryTree {
  return {
    '/.disk/info': 'Debian GNU/Linux 12.8.0 "Bookworm" - Official amd64 NETINST with firmware 20241109-11:04',
    '/install.amd/vmlinuz': 8 * MiB,
    '/install.amd/initrd.gz': initrd,
    '/isolinux/isolinux.cfg': 'default install\nlabel install\n  menu label ^Install\n  kernel /install.amd/vmlinuz\n  append vga=788 initrd=/install.amd/initrd.gz --- quiet\n',
  };
}

describe('initramfs families', () => {
  it("boots the Debian installer's netboot initrd as it is, telling netcfg the NIC, before the --- separator", async () => {
    const r = await inspect(debianIso(diInitrd('net-retriever')));
    expect(r.recipe).toBe('generic-linux/debian-installer');
    const p = r.plans[0]!;
    expect(p.cmdline).toBe('vga=788 BOOTIF=01-{{mac_hyphen}} --- quiet');
    expect(p.initrds).toEqual(['/install.amd/initrd.gz']);
    expect(p.confidence).toBe('real-initramfs');
    expect(p.limits?.join(' ')).toMatch(/mirror/);
  });

  it("says the Debian installer's CD initrd will look for its disc, and calls the plan untested", async () => {
    const r = await inspect(debianIso(diInitrd('cdrom-retriever')));
    expect(r.recipe).toBe('generic-linux/debian-installer-cd');
    const p = r.plans[0]!;
    expect(p.via).toBe('http');
    expect(p.confidence).toBe('untested');
    expect(p.limits?.join(' ')).toMatch(/No common CD-ROM drive was detected.*mini\.iso/);
  });

  it('puts casper\'s network parameters before Linux Mint\'s -- separator', async () => {
    const r = await inspect({
      '/.disk/info': 'Linux Mint 22 "Wilma" - Release amd64 20240728',
      '/casper/vmlinuz': 14 * MiB,
      '/casper/initrd.lz': 60 * MiB,
      '/casper/filesystem.squashfs': 2800 * MiB,
      '/isolinux/isolinux.cfg': 'default live\nlabel live\n  menu label Start Linux Mint\n  kernel /casper/vmlinuz\n  append  file=/cdrom/preseed/linuxmint.seed boot=casper initrd=/casper/initrd.lz quiet splash --\n',
    });
    expect(r.recipe).toBe('generic-linux/casper');
    expect(r.plans[0]!.cmdline).toBe('file=/cdrom/preseed/linuxmint.seed quiet splash boot=casper url={{iso_url}} ip=dhcp cloud-config-url=/dev/null --');
  });

  it('boots Manjaro through its miso PXE hook: misobasedir kept, the label dropped, its .sfs layers counted in RAM', async () => {
    const r = await inspect({
      '/boot/vmlinuz-x86_64': 12 * MiB,
      '/boot/initramfs-x86_64.img': 40 * MiB,
      '/boot/intel_ucode.img': 5 * MiB,
      '/manjaro/x86_64/rootfs.sfs': 900 * MiB,
      '/manjaro/x86_64/desktopfs.sfs': 1500 * MiB,
      '/manjaro/x86_64/livefs.sfs': 50 * MiB,
      '/boot/grub/grub.cfg': [
        'menuentry "Boot with open source drivers" {',
        '  linux /boot/vmlinuz-x86_64 driver=free nouveau.modeset=1 tz=utc lang=en_US keytable=us misobasedir=manjaro misolabel=MANJARO_KDE_2410 quiet splash',
        '  initrd /boot/intel_ucode.img /boot/initramfs-x86_64.img',
        '}',
      ].join('\n'),
    });
    expect(r.recipe).toBe('generic-linux/miso');
    const p = r.plans[0]!;
    expect(p.cmdline).toBe('driver=free nouveau.modeset=1 tz=utc lang=en_US keytable=us misobasedir=manjaro quiet splash ip=dhcp miso_http_srv={{image_url}}/');
    expect(p.initrds).toEqual(['/boot/intel_ucode.img', '/boot/initramfs-x86_64.img']);
    expect(p.minRamMiB).toBeGreaterThan(2450 + 1024);
    expect(p.confidence).toBe('untested');
  });

  it('boots a Proxmox installer with the whole ISO placed at /proxmox.iso by a generated initrd, RAM for both copies', async () => {
    const r = await inspect({
      '/.pve-cd-id.txt': 'c9a8e1f0\n',
      '/boot/linux26': 13 * MiB,
      '/boot/initrd.img': 60 * MiB,
      '/pve-installer.squashfs': 300 * MiB,
      '/boot/grub/grub.cfg': "menuentry 'Install Proxmox VE (Graphical)' {\n  linux /boot/linux26 ro ramdisk_size=16777216 rw quiet splash=silent\n  initrd /boot/initrd.img\n}\n",
    }, 1400 * MiB);
    expect(r.recipe).toBe('generic-linux/proxmox');
    const p = r.plans[0]!;
    expect(p.initrds).toEqual(['/boot/initrd.img', '/[bootcast]/iso-in-initrd/proxmox.iso.cpio']);
    expect(p.cmdline).toBe('ro ramdisk_size=16777216 rw quiet splash=silent');
    expect(p.minRamMiB).toBeGreaterThan(2 * 1400 + 1024);
    expect(p.confidence).toBe('untested');
  });

  it('explains why a FreeBSD-based ISO cannot boot over the network', async () => {
    const r = await inspect({ '/boot/kernel/kernel': 30 * MiB, '/boot/loader': 400_000, '/boot/cdboot': 2048, '/EFI/BOOT/BOOTX64.EFI': 800_000 }, 900 * MiB);
    expect(r.recipe).toBe('none');
    expect(r.plans).toHaveLength(1);
    expect(r.plans[0]!.unbootableReason).toMatch(/FreeBSD-based image: its kernel mounts the root file system from the installation disc/);
  });

  it('offers a small FreeBSD image with an mfsroot as a BIOS sanboot, untested, and says UEFI cannot', async () => {
    const r = await inspect({ '/boot/kernel/kernel': 20 * MiB, '/boot/loader': 400_000, '/boot/mfsroot.gz': 60 * MiB }, 120 * MiB);
    expect(r.plans.map((p) => [p.id, p.via, p.firmware.join('+'), p.confidence])).toEqual([
      ['sanboot', 'sanboot', 'bios', 'untested'],
      ['none', 'none', 'uefi', undefined],
    ]);
  });

  it('boots an ESXi installer on UEFI through mboot.efi and a boot.cfg rewritten for HTTP, and says why BIOS cannot', async () => {
    const r = await inspect({
      '/boot.cfg': 'bootstate=0\ntitle=Loading ESXi installer\ntimeout=5\nprefix=\nkernel=/b.b00\nkernelopt=runweasel cdromBoot\nmodules=/jumpstrt.gz --- /useropts.gz --- /features.gz\nbuild=8.0.3\n',
      '/B.B00': 4 * MiB,
      '/JUMPSTRT.GZ': 1000,
      '/USEROPTS.GZ': 1000,
      '/FEATURES.GZ': 200 * MiB,
      '/mboot.c32': 80_000,
      '/isolinux.cfg': 'DEFAULT menu.c32\nLABEL install\n  KERNEL mboot.c32\n  APPEND -c boot.cfg\n',
      '/EFI/BOOT/BOOTX64.EFI': 300_000,
    });
    expect(r.recipe).toBe('esxi');
    const [uefi, bios] = r.plans;
    expect(uefi).toMatchObject({ via: 'http', kernel: '/EFI/BOOT/BOOTX64.EFI', firmware: ['uefi'], cmdline: '-c {{image_url}}/%5Bbootcast%5D/esxi/boot.cfg', confidence: 'untested' });
    expect(uefi!.minRamMiB).toBeGreaterThan(4096 + 200);
    expect(bios).toMatchObject({ via: 'none', firmware: ['bios'] });
    expect(bios!.unbootableReason).toMatch(/mboot\.c32, a pxelinux/);
  });

  it('rewrites boot.cfg so mboot fetches every module from beside it', () => {
    expect(rewriteEsxiBootCfg('bootstate=0\nprefix=/esx\nkernel=/b.b00\nkernelopt=runweasel cdromBoot\nmodules=/jumpstrt.gz --- /useropts.gz --- /s.v00\n')).toBe(
      'bootstate=0\nkernel=b.b00\nkernelopt=runweasel\nmodules=jumpstrt.gz --- useropts.gz --- s.v00\n',
    );
  });
});
