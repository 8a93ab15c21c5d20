import { describe, expect, it } from 'vitest';
import { MemoryImage, type MemoryTree } from '../../test/support/memory-image.ts';
import {
  ALPINE_ISO,
  ARCH_ISO,
  DEBIAN_LIVE_ISO,
  FEDORA_LIVE_ISO,
  FEDORA_SERVER_DVD,
  GARBAGE_ISO,
  MEMTEST_ISO,
  OPENSUSE_DVD,
  SYSTEMRESCUE_ISO,
  UBUNTU_ISO,
  WINDOWS_ISO,
  WINDOWS_UDF_ONLY,
} from '../../test/support/image-trees.ts';
import { inspectImage } from './inspect-image.ts';

const MiB = 1024 * 1024;
const inspect = (tree: MemoryTree, sizeBytes = 1500 * MiB, volumeId?: string) => inspectImage(new MemoryImage(tree, '/nonexistent/test.iso', volumeId), { sizeBytes });

describe('inspectImage', () => {
  it('boots an Arch ISO with archiso over HTTP, microcode first, and offers NBD as a second plan', async () => {
    const r = await inspect(ARCH_ISO);
    expect(r.distro).toBe('Arch Linux 2026.11.01');
    expect(r.recipe).toBe('archiso');
    expect(r.arch).toBe('x86_64');
    expect(r.plans.map((p) => p.id)).toEqual(['http', 'nbd']);
    const [http, nbd] = r.plans;
    expect(http!.kernel).toBe('/arch/boot/x86_64/vmlinuz-linux');
    expect(http!.initrds).toEqual(['/arch/boot/intel-ucode.img', '/arch/boot/amd-ucode.img', '/arch/boot/x86_64/initramfs-linux.img']);
    expect(http!.cmdline).toBe('archisobasedir=arch ip=dhcp BOOTIF=01-{{mac_hyphen}} archiso_http_srv={{image_url}}/');
    expect(nbd!.cmdline).toBe('archisobasedir=arch ip=dhcp BOOTIF=01-{{mac_hyphen}} archiso_nbd_srv={{server}} archiso_nbd_name={{nbd_export}} copytoram=n');
    expect(nbd!.via).toBe('nbd');
    // HTTP holds the 900 MiB root file system in RAM; NBD does not.
    expect(http!.minRamMiB).toBeGreaterThan(900 + 512);
    expect(nbd!.minRamMiB).toBeLessThan(http!.minRamMiB! - 800);
    expect(http!.firmware).toEqual(['bios', 'uefi']);
  });

  it('boots SystemRescue with archiso, keeping its own parameters but not the CD label', async () => {
    const r = await inspect(SYSTEMRESCUE_ISO);
    expect(r.distro).toBe('SystemRescue 12.03');
    expect(r.recipe).toBe('archiso');
    const http = r.plans[0]!;
    expect(http.kernel).toBe('/sysresccd/boot/x86_64/vmlinuz');
    expect(http.initrds).toEqual(['/sysresccd/boot/intel_ucode.img', '/sysresccd/boot/amd_ucode.img', '/sysresccd/boot/x86_64/sysresccd.img']);
    expect(http.cmdline).toBe('iomem=relaxed archisobasedir=sysresccd ip=dhcp BOOTIF=01-{{mac_hyphen}} archiso_http_srv={{image_url}}/');
  });

  it('boots Ubuntu through casper, downloading the whole ISO, with cloud-init kept from fetching it twice', async () => {
    const r = await inspect(UBUNTU_ISO, 5800 * MiB);
    expect(r.distro).toMatch(/^Ubuntu 24\.04\.1 LTS/);
    expect(r.recipe).toBe('generic-linux/casper');
    const p = r.plans[0]!;
    expect(p.kernel).toBe('/casper/vmlinuz');
    expect(p.initrds).toEqual(['/casper/initrd']);
    expect(p.cmdline).toBe('boot=casper url={{iso_url}} ip=dhcp cloud-config-url=/dev/null --- quiet splash');
    expect(p.title).toContain('Try or Install Ubuntu');
    expect(p.minRamMiB).toBeGreaterThan(5800);
  });

  it('boots Debian live with live-boot fetching the squashfs, from the syslinux menu default', async () => {
    const r = await inspect(DEBIAN_LIVE_ISO);
    expect(r.recipe).toBe('generic-linux/live-boot');
    const p = r.plans[0]!;
    expect(p.kernel).toBe('/live/vmlinuz-6.1.0-27-amd64');
    expect(p.initrds).toEqual(['/live/initrd.img-6.1.0-27-amd64']);
    expect(p.cmdline).toBe('boot=live components quiet splash fetch={{image_url}}/live/filesystem.squashfs');
    expect(p.title).toMatch(/^Live system \(amd64\)/);
    expect(r.arch).toBe('x86_64');
  });

  it('boots Fedora live with dracut fetching LiveOS/squashfs.img, skipping the media-check default', async () => {
    const r = await inspect(FEDORA_LIVE_ISO, 2300 * MiB, 'Fedora-WS-Live-41-1-4');
    expect(r.distro).toBe('Fedora-WS-Live-41-1-4');
    expect(r.recipe).toBe('generic-linux/dracut-live');
    const p = r.plans[0]!;
    expect(p.kernel).toBe('/images/pxeboot/vmlinuz');
    expect(p.initrds).toEqual(['/images/pxeboot/initrd.img']);
    expect(p.cmdline).toBe('quiet rhgb root=live:{{image_url}}/LiveOS/squashfs.img rd.live.image rd.neednet=1 ip=dhcp');
    expect(p.title).toMatch(/^Start Fedora-Workstation-Live 41/);
  });

  it('boots a Fedora DVD installer with inst.repo pointing at the image, named from .treeinfo', async () => {
    const r = await inspect(FEDORA_SERVER_DVD, 2500 * MiB);
    expect(r.distro).toBe('Fedora 41');
    expect(r.recipe).toBe('generic-linux/anaconda');
    expect(r.plans[0]!.cmdline).toBe('quiet inst.repo={{image_url}} ip=dhcp rd.neednet=1');
  });

  it('uses inst.stage2 when the installer image carries no package repository', async () => {
    const tree = Object.fromEntries(Object.entries(FEDORA_SERVER_DVD).filter(([p]) => !p.startsWith('/Packages') && !p.startsWith('/repodata')));
    const r = await inspect(tree);
    expect(r.plans[0]!.cmdline).toBe('quiet inst.stage2={{image_url}} ip=dhcp rd.neednet=1');
  });

  it('boots Alpine with its modloop and package repository fetched from the image', async () => {
    const r = await inspect(ALPINE_ISO, 200 * MiB);
    expect(r.distro).toBe('Alpine Linux (alpine-standard-3.21.0 241205)');
    expect(r.recipe).toBe('generic-linux/alpine');
    const p = r.plans[0]!;
    expect(p.kernel).toBe('/boot/vmlinuz-lts');
    expect(p.initrds).toEqual(['/boot/initramfs-lts']);
    expect(p.cmdline).toBe('modules=loop,squashfs,sd-mod,usb-storage quiet console=tty0 console=ttyS0,115200 ip=dhcp modloop={{image_url}}/boot/modloop-lts alpine_repo={{image_url}}/apks');
  });

  it('boots the openSUSE installer from its loader directory with linuxrc reading the image as repository', async () => {
    const r = await inspect(OPENSUSE_DVD, 4000 * MiB);
    expect(r.distro).toBe('openSUSE 15.6-0');
    expect(r.recipe).toBe('generic-linux/linuxrc');
    const p = r.plans[0]!;
    expect(p.kernel).toBe('/boot/x86_64/loader/linux');
    expect(p.initrds).toEqual(['/boot/x86_64/loader/initrd']);
    expect(p.cmdline).toBe('splash=silent showopts install={{image_url}}');
  });

  it('boots Windows Setup through wimboot: bootmgr for BIOS, bootmgfw.efi for UEFI, each with its BCD', async () => {
    const r = await inspect(WINDOWS_ISO, 5000 * MiB, 'CCCOMA_X64FRE_EN-US_DV9');
    expect(r.recipe).toBe('windows');
    expect(r.distro).toBe('Windows Setup (CCCOMA_X64FRE_EN-US_DV9)');
    expect(r.plans).toHaveLength(1);
    const p = r.plans[0]!;
    expect(p).toMatchObject({ id: 'wimboot', via: 'wimboot', title: 'Windows Setup (wimboot)', firmware: ['bios', 'uefi'] });
    expect(p.wimbootFiles).toEqual([
      { name: 'bootmgr', path: '/bootmgr', firmware: 'bios' },
      { name: 'BCD', path: '/boot/bcd', firmware: 'bios' },
      { name: 'bootmgfw.efi', path: '/efi/boot/bootx64.efi', firmware: 'uefi' },
      { name: 'BCD', path: '/efi/microsoft/boot/bcd', firmware: 'uefi' },
      { name: 'boot.sdi', path: '/boot/boot.sdi' },
      { name: 'boot.wim', path: '/sources/boot.wim' },
    ]);
    // boot.wim (600 MiB) is a RAM disk, plus Setup's working set.
    expect(p.minRamMiB).toBe(1664);
  });

  it('boots plain Windows PE with one BCD for both firmware and lets wimboot take bootmgfw.efi from boot.wim', async () => {
    const { '/sources/install.wim': _i, '/setup.exe': _s, '/efi/microsoft/boot/bcd': _b, '/efi/boot/bootx64.efi': _e, ...pe } = WINDOWS_ISO;
    const r = await inspect(pe, 700 * MiB);
    const p = r.plans[0]!;
    expect(p.title).toBe('Windows PE (wimboot)');
    expect(p.wimbootFiles).toEqual([
      { name: 'bootmgr', path: '/bootmgr', firmware: 'bios' },
      { name: 'BCD', path: '/boot/bcd' },
      { name: 'boot.sdi', path: '/boot/boot.sdi' },
      { name: 'boot.wim', path: '/sources/boot.wim' },
    ]);
    expect(p.minRamMiB).toBe(1152);
  });

  it('explains Windows media without boot.sdi instead of offering a plan that cannot start', async () => {
    const { '/boot/boot.sdi': _sdi, ...broken } = WINDOWS_ISO;
    const r = await inspect(broken, 5000 * MiB);
    expect(r.recipe).toBe('none');
    expect(r.notes).toContain('windows: sources/boot.wim is there but boot/boot.sdi is not; wimboot needs both');
    expect(r.plans[0]!.unbootableReason).toMatch(/without boot\/boot\.sdi or a BCD/);
  });

  it('recognises a UDF-only image by the README its ISO 9660 part holds', async () => {
    const r = await inspect(WINDOWS_UDF_ONLY, 5000 * MiB);
    expect(r.plans[0]!.unbootableReason).toMatch(/UDF/);
  });

  it('offers sanboot on BIOS for a small memtest-only image, since its menu has no Linux system', async () => {
    const r = await inspect(MEMTEST_ISO, 3 * MiB);
    expect(r.recipe).toBe('sanboot');
    expect(r.plans).toEqual([expect.objectContaining({ id: 'sanboot', via: 'sanboot', firmware: ['bios'] })]);
    expect(r.notes.join('\n')).toMatch(/only tools \(Memtest86\+\)/);
  });

  it('refuses sanboot for a large image without a kernel and says why', async () => {
    const r = await inspect(MEMTEST_ISO, 2000 * MiB);
    expect(r.recipe).toBe('none');
    expect(r.plans[0]!.unbootableReason).toMatch(/^No boot recipe: .*only tools.*too large \(2000 MiB\)/);
  });

  it('does not offer sanboot when the El Torito catalog has no BIOS entry', async () => {
    const r = await inspect({ ...MEMTEST_ISO, '/[BOOT]/uefi.img': 1 * MiB }, 3 * MiB);
    expect(r.recipe).toBe('none');
    expect(r.plans[0]!.unbootableReason).toMatch(/no BIOS El Torito boot entry/);
  });

  it('runs a small image\'s EFI loader directly on UEFI, and tells BIOS clients that floppy emulation cannot be sanbooted', async () => {
    const memtest = { '/boot/floppy.img': 1474560, '/boot.catalog': 2048, '/EFI/BOOT/bootx64.efi': 145408 };
    const r = await inspectImage(new MemoryImage(memtest, '/x/memtest.iso', 'MT86PLUS_64'), {
      sizeBytes: 2 * MiB,
      bootCatalog: [
        { platform: 'bios', media: 'floppy-1.44M' },
        { platform: 'uefi', media: 'no-emulation' },
      ],
    });
    expect(r.recipe).toBe('efi-program');
    expect(r.arch).toBe('x86_64');
    expect(r.plans).toEqual([
      expect.objectContaining({ id: 'efi', via: 'http', kernel: '/EFI/BOOT/bootx64.efi', initrds: [], firmware: ['uefi'] }),
      expect.objectContaining({ id: 'none', via: 'none', firmware: ['bios'], unbootableReason: expect.stringMatching(/emulates a floppy.*memdisk/) }),
    ]);
  });

  it('offers sanboot when the El Torito catalog has a BIOS no-emulation entry', async () => {
    const r = await inspectImage(new MemoryImage({ '/tool/x.bin': 100 }), { sizeBytes: 5 * MiB, bootCatalog: [{ platform: 'bios', media: 'no-emulation' }] });
    expect(r.plans.map((p) => p.id)).toEqual(['sanboot']);
  });

  it('explains UDF media when the reader reports UDF and the ISO 9660 part is nearly empty', async () => {
    const r = await inspectImage(new MemoryImage({ '/README.TXT': 'see the other file system' }), { sizeBytes: 5000 * MiB, udf: true });
    expect(r.plans[0]!.unbootableReason).toMatch(/UDF side could not be read/);
  });

  it('never throws on garbage configs and include loops, degrading to a reasoned fallback', async () => {
    const r = await inspect(GARBAGE_ISO, 700 * MiB);
    expect(r.recipe).toBe('none');
    expect(r.plans[0]!.via).toBe('none');
    expect(r.plans[0]!.unbootableReason).toMatch(/^No boot recipe:/);
    expect(r.notes.join('\n')).toMatch(/names kernel \/nothing\/here/);
  });

  it('survives an image whose reads all fail', async () => {
    const failing = {
      path: '/x.iso',
      stat: async () => {
        throw new Error('I/O error');
      },
      list: async () => {
        throw new Error('I/O error');
      },
      readFile: async () => {
        throw new Error('I/O error');
      },
    };
    const r = await inspectImage(failing, { sizeBytes: 10 * MiB });
    expect(r.plans.length).toBe(1);
  });

  it('reports an empty image as unbootable with a reason', async () => {
    const r = await inspect({}, 900 * MiB);
    expect(r.plans[0]!.unbootableReason).toMatch(/no isolinux\/syslinux, GRUB or systemd-boot config/);
  });
});
