import { describe, expect, it } from 'vitest';
import { parseGrubConfig } from './grub-config.ts';
import { parseSyslinuxConfig } from './syslinux-config.ts';
import { parseSystemdBootEntries } from './systemd-boot-config.ts';
import { extractInitrdArgs, resolveImagePath, splitCmdline } from './boot-entry.ts';

const reader = (files: Record<string, string>) => async (p: string) => files[p] ?? null;

describe('syslinux configs', () => {
  it('follows INCLUDE and MENU INCLUDE relative to the working directory, with case-insensitive keywords', async () => {
    const { entries } = await parseSyslinuxConfig(
      reader({
        '/isolinux/isolinux.cfg': 'include menu.cfg\nMENU INCLUDE sub/tools.cfg Tools\ndefault vesamenu.c32',
        '/isolinux/menu.cfg': 'LABEL live\n  MENU LABEL ^Live system\n  KERNEL /live/vmlinuz\n  APPEND initrd=/live/initrd.img boot=live quiet',
        '/isolinux/sub/tools.cfg': 'label hdt\n com32 hdt.c32',
      }),
      '/isolinux/isolinux.cfg',
    );
    expect(entries.map((e) => [e.label, e.title, e.kind])).toEqual([
      ['live', 'Live system', 'linux'],
      ['hdt', 'hdt', 'tool'],
    ]);
    expect(entries[0]).toMatchObject({ kernel: '/live/vmlinuz', initrds: ['/live/initrd.img'], append: 'boot=live quiet', source: 'syslinux /isolinux/menu.cfg' });
  });

  it('resolves relative kernel paths against the config directory and "::" against the root', async () => {
    const { entries } = await parseSyslinuxConfig(
      reader({ '/boot/isolinux/isolinux.cfg': 'LABEL a\nKERNEL vmlinuz\nINITRD initrd.gz,::/extra/fw.cpio\nLABEL b\nLINUX ../../kernels/k\nAPPEND -' }),
      '/boot/isolinux/isolinux.cfg',
    );
    expect(entries[0]).toMatchObject({ kernel: '/boot/isolinux/vmlinuz', initrds: ['/boot/isolinux/initrd.gz', '/extra/fw.cpio'] });
    expect(entries[1]).toMatchObject({ kernel: '/kernels/k', append: '' });
  });

  it('marks MENU DEFAULT over DEFAULT, and a DEFAULT that names a label otherwise', async () => {
    const files = { '/s.cfg': 'DEFAULT b\nLABEL a\nKERNEL /a\nLABEL b\nKERNEL /b\nLABEL c\nKERNEL /c\nMENU DEFAULT' };
    expect((await parseSyslinuxConfig(reader(files), '/s.cfg')).entries.filter((e) => e.isDefault).map((e) => e.label)).toEqual(['c']);
    const noMenu = { '/s.cfg': 'DEFAULT b\nLABEL a\nKERNEL /a\nLABEL b\nKERNEL /b' };
    expect((await parseSyslinuxConfig(reader(noMenu), '/s.cfg')).entries.filter((e) => e.isDefault).map((e) => e.label)).toEqual(['b']);
  });

  it('follows CONFIG entries and takes the chained file’s DEFAULT when the first names a module', async () => {
    const { entries } = await parseSyslinuxConfig(
      reader({
        '/boot/syslinux/syslinux.cfg': 'DEFAULT select\nLABEL select\nCOM32 whichsys.c32\nLABEL sys\nCONFIG sys.cfg',
        '/boot/syslinux/sys.cfg': 'DEFAULT linux\nLABEL linux\nLINUX /k\nINITRD /i',
      }),
      '/boot/syslinux/syslinux.cfg',
    );
    const def = entries.find((e) => e.isDefault)!;
    expect(def).toMatchObject({ label: 'linux', kernel: '/k', initrds: ['/i'], kind: 'linux' });
    expect(entries.find((e) => e.label === 'sys')!.kind).toBe('chain');
  });

  it('applies a global APPEND to labels without their own, skips TEXT HELP and hidden labels', async () => {
    const { entries } = await parseSyslinuxConfig(
      reader({ '/s.cfg': 'APPEND quiet\nLABEL a\nKERNEL /a\nTEXT HELP\nLABEL fake\nKERNEL /fake\nENDTEXT\nLABEL h\nMENU HIDE\nKERNEL /h' }),
      '/s.cfg',
    );
    expect(entries.map((e) => [e.label, e.append])).toEqual([['a', 'quiet']]);
  });

  it('treats a DEFAULT that is a kernel command line as an entry of its own', async () => {
    const { entries } = await parseSyslinuxConfig(reader({ '/s.cfg': 'DEFAULT /vmlinuz initrd=/initrd.gz root=/dev/ram0' }), '/s.cfg');
    expect(entries).toEqual([expect.objectContaining({ kernel: '/vmlinuz', initrds: ['/initrd.gz'], append: 'root=/dev/ram0', isDefault: true, kind: 'linux' })]);
  });

  it('classifies memory testers and loader modules as tools', async () => {
    const { entries } = await parseSyslinuxConfig(
      reader({ '/s.cfg': 'LABEL m\nKERNEL /boot/memtest\nLABEL x\nMENU LABEL Memory test\nLINUX /boot/mt86plus\nLABEL r\nCOM32 reboot.c32\nLABEL d\nKERNEL memdisk\nINITRD /fd.img' }),
      '/s.cfg',
    );
    expect(entries.map((e) => e.kind)).toEqual(['tool', 'tool', 'tool', 'tool']);
  });

  it('survives include loops and missing includes with warnings', async () => {
    const { entries, warnings } = await parseSyslinuxConfig(
      reader({ '/a.cfg': 'INCLUDE /b.cfg\nINCLUDE /missing.cfg\nLABEL a\nKERNEL /k', '/b.cfg': 'INCLUDE /a.cfg' }),
      '/a.cfg',
    );
    expect(entries).toHaveLength(1);
    expect(warnings).toEqual(['syslinux: included file /missing.cfg is missing']);
  });
});

describe('GRUB configs', () => {
  const grub = (files: Record<string, string>, path = '/boot/grub/grub.cfg') => parseGrubConfig(reader(files), path);

  it('reads menuentry kernels, initrds and arguments, expanding variables and stripping devices', async () => {
    const { entries } = await grub({
      '/boot/grub/grub.cfg': [
        'set isodir=/casper',
        'set opts="quiet splash"',
        "menuentry 'Live $isodir' --class ubuntu {",
        '  linux ($root)${isodir}/vmlinuz boot=casper $opts \'$literal\' "a b"',
        '  initrd (loop)/casper/initrd /extra.img',
        '}',
      ].join('\n'),
    });
    expect(entries).toEqual([
      {
        source: 'grub /boot/grub/grub.cfg',
        title: 'Live $isodir',
        kind: 'linux',
        kernel: '/casper/vmlinuz',
        initrds: ['/casper/initrd', '/extra.img'],
        append: 'boot=casper "quiet splash" $literal "a b"',
        isDefault: false,
      },
    ]);
  });

  it('counts a submenu as one top-level entry for a numeric default and titles its entries with the path', async () => {
    const cfg = [
      'set default=2',
      'menuentry A { linux /a }',
      "submenu 'More' {",
      '  menuentry B { linux /b }',
      '}',
      'menuentry C { linuxefi /c\n initrdefi /ci }',
    ].join('\n');
    const { entries } = await grub({ '/boot/grub/grub.cfg': cfg });
    expect(entries.map((e) => [e.title, e.kernel, e.isDefault])).toEqual([
      ['A', '/a', false],
      ['More > B', '/b', false],
      ['C', '/c', true],
    ]);
    expect(entries[2]!.initrds).toEqual(['/ci']);
  });

  it('finds the default by --id or title', async () => {
    const byId = await grub({ '/boot/grub/grub.cfg': "set default=live\nmenuentry X { linux /x }\nmenuentry Y --id live { linux /y }" });
    expect(byId.entries.find((e) => e.isDefault)!.kernel).toBe('/y');
    const byTitle = await grub({ '/boot/grub/grub.cfg': 'set default="Y"\nmenuentry X { linux /x }\nmenuentry "Y" { linux /y }' });
    expect(byTitle.entries.find((e) => e.isDefault)!.kernel).toBe('/y');
  });

  it('reads sourced files relative to $prefix, skips functions, reads both branches of conditions', async () => {
    const { entries } = await grub({
      '/boot/grub/grub.cfg': 'function f {\n menuentry Hidden { linux /h }\n}\nsource $prefix/extra.cfg\nif [ x = y ]; then\nmenuentry T { linux /t }\nelse\nmenuentry E { linux /e }\nfi',
      '/boot/grub/extra.cfg': 'menuentry S { linux /s }',
    });
    expect(entries.map((e) => e.title)).toEqual(['S', 'T', 'E']);
  });

  it('marks chainloader, reboot and firmware-setup entries as tools', async () => {
    const { entries } = await grub({ '/boot/grub/grub.cfg': 'menuentry Disk { chainloader (hd0)+1 }\nmenuentry FW { fwsetup }\nmenuentry Mem { linux16 /boot/memtest86+.bin }' });
    expect(entries.map((e) => e.kind)).toEqual(['tool', 'tool', 'tool']);
  });

  it('survives unterminated quotes and braces and source loops', async () => {
    const { entries } = await grub({ '/boot/grub/grub.cfg': 'source /boot/grub/grub.cfg\nmenuentry "x { linux /k "\n}}}}\nset y=${\n' });
    expect(Array.isArray(entries)).toBe(true);
  });
});

describe('systemd-boot entries', () => {
  it('reads title, linux, repeated initrd and options lines, and the loader.conf default glob', () => {
    const { entries } = parseSystemdBootEntries(
      [
        { name: '02-ram.conf', path: '/loader/entries/02-ram.conf', text: 'title RAM\nlinux /k\noptions copytoram' },
        { name: '01-live.conf', path: '/loader/entries/01-live.conf', text: 'title  Live\nlinux /k\ninitrd /u.img\ninitrd /i.img\noptions a=1\noptions b=2\n# comment' },
        { name: '03-shell.conf', path: '/loader/entries/03-shell.conf', text: 'title Shell\nefi /shellx64.efi' },
      ],
      'timeout 5\ndefault 02-*\n',
    );
    expect(entries.map((e) => [e.label, e.title, e.kind, e.isDefault])).toEqual([
      ['01-live', 'Live', 'linux', false],
      ['02-ram', 'RAM', 'linux', true],
      ['03-shell', 'Shell', 'tool', false],
    ]);
    expect(entries[0]).toMatchObject({ kernel: '/k', initrds: ['/u.img', '/i.img'], append: 'a=1 b=2' });
  });
});

describe('command-line helpers', () => {
  it('splits words keeping quoted spans, and moves initrd= out of an append line', () => {
    expect(splitCmdline(' a  b="c d" e ')).toEqual(['a', 'b="c d"', 'e']);
    expect(extractInitrdArgs('quiet initrd=/a.img,/b.img INITRD=/c.img x')).toEqual({ append: 'quiet x', initrds: ['/a.img', '/b.img', '/c.img'] });
  });

  it('normalises image paths without escaping the root', () => {
    expect(resolveImagePath('/isolinux', '../../../etc/x')).toBe('/etc/x');
    expect(resolveImagePath('/a/b', './c//d')).toBe('/a/b/c/d');
  });
});
