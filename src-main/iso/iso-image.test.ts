import { mkdir, mkdtemp, readFile, rm, stat, open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asSorted,
  DEEP_DIR,
  diskTree,
  EL_TORITO_ARGS,
  extract,
  extractBootImages,
  IPXE_ISO,
  ISOHYBRID_MBR,
  isoTree,
  LONG_NAME,
  makeSourceTree,
  MEMTEST_ISO,
  mkisofs,
  run,
  sha256File,
  sha256Stream,
  UNICODE_NAME,
  withImage,
} from '../../test/support/iso-fixtures.ts';
import { MemoryByteSource } from './byte-source.ts';
import { IsoError, IsoImage } from './iso-image.ts';

let work: string;
let src: string;
const iso = (name: string) => join(work, `${name}.iso`);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-iso-'));
  src = join(work, 'src');
  await makeSourceTree(src);
  mkisofs(['-R', '-J', '-joliet-long', '-V', 'FIXTURE_RR', ...EL_TORITO_ARGS, '-o', iso('rr-joliet'), src]);
  // Deep directories relocated: plain ISO 9660 sees RR_MOVED, Rock Ridge sees the original tree (CL/RE).
  mkisofs(['-R', '-rr_reloc_dir', 'RR_MOVED', '-V', 'RELOCATED', '-o', iso('relocated'), src]);
  mkisofs(['--norock', '-J', '-joliet-long', '-V', 'JOLIET_ONLY', '-o', iso('joliet'), src]);
  mkisofs(['--norock', '-V', 'PLAIN', '-o', iso('plain'), src]);
  mkisofs(['-R', '-V', 'HYBRID', '-isohybrid-mbr', ISOHYBRID_MBR, ...EL_TORITO_ARGS, '-isohybrid-gpt-basdat', '-o', iso('hybrid'), src]);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('IsoImage compared with what xorriso extracts', () => {
  for (const name of ['rr-joliet', 'relocated', 'joliet', 'plain', 'hybrid']) {
    it(`lists every entry of the ${name} image with the same names, kinds, sizes, link targets and sha256`, async () => {
      const dest = join(work, `x-${name}`);
      extract(iso(name), dest);
      const expected = await diskTree(dest);
      const actual = await withImage(iso(name), isoTree);
      expect(asSorted(actual)).toEqual(asSorted(expected));
    });
  }

  it("reads Debian's ipxe.iso (built by iPXE's tool chain, not here) like xorriso does", async () => {
    const dest = join(work, 'x-ipxe');
    extract(IPXE_ISO, dest);
    const expected = await diskTree(dest);
    const actual = await withImage(IPXE_ISO, isoTree);
    expect(asSorted(actual)).toEqual(asSorted(expected));
    expect(actual.size).toBeGreaterThan(3);
  });
});

describe('names', () => {
  it('shows Rock Ridge names of 145 characters, non-ASCII names and the 12-deep tree', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      expect(LONG_NAME).toHaveLength(145);
      expect((await img.stat('/' + LONG_NAME))?.kind).toBe('file');
      expect((await img.stat('/' + UNICODE_NAME))?.size).toBe(Buffer.byteLength('ünïcödé\n'));
      expect(new TextDecoder().decode(await img.readFile(`/${DEEP_DIR}/deep.txt`))).toBe('twelve levels down\n');
      const shortcut = await img.stat('/shortcut');
      expect(shortcut).toMatchObject({ kind: 'symlink', target: 'level1/level2' });
    });
  });

  it('takes Joliet names from UCS-2 when there is no Rock Ridge', async () => {
    await withImage(iso('joliet'), async (img) => {
      const root = (await img.list('/')).map((e) => e.name);
      expect(root).toContain(UNICODE_NAME);
      expect(root).toContain('Boot');
      // Joliet cannot hold 145 characters; -joliet-long cuts names to about 103.
      const long = root.find((n) => n.startsWith('a-long-name-'))!;
      expect(long.length).toBeGreaterThan(64);
      expect(long.length).toBeLessThan(LONG_NAME.length);
    });
  });

  it('follows symlinks in the middle of a path and, for reads, at the end', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      expect((await img.stat('/shortcut/level3'))?.path).toBe('/level1/level2/level3');
      expect(new TextDecoder().decode(await img.readFile('/absolute-link'))).toContain('default live');
      expect((await img.list('/shortcut')).map((e) => e.name)).toEqual(['level3']);
    });
  });

  it('matches names case-insensitively only when asked', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      expect(await img.stat('/boot/grub/grub.cfg')).toBeNull();
      expect((await img.stat('/boot/grub/grub.cfg', { caseInsensitive: true }))?.path).toBe('/Boot/Grub/Grub.CFG');
      const cfg = await img.readFile('/BOOT/GRUB/GRUB.CFG', { caseInsensitive: true });
      expect(new TextDecoder().decode(cfg)).toContain('menuentry');
    });
  });

  it('lists the plain ISO 9660 names without version suffixes', async () => {
    await withImage(iso('plain'), async (img) => {
      const names = (await img.list('/')).map((e) => e.name);
      expect(names).toContain('ISOLINUX');
      expect(names).toContain('EMPTY');
      expect(names.some((n) => n.includes(';'))).toBe(false);
      expect((await img.stat('/isolinux/isolinux.cfg', { caseInsensitive: true }))?.path).toBe('/ISOLINUX/ISOLINUX.CFG');
    });
  });
});

describe('reading', () => {
  it('streams any byte range of a file, matching the extracted copy', async () => {
    const whole = await readFile(join(src, 'random.bin'));
    await withImage(iso('rr-joliet'), async (img) => {
      const ranges: [number, number][] = [
        [0, 0],
        [0, whole.length - 1],
        [1, 2047],
        [2047, 2048],
        [524_287, 524_288 + 10],
        [whole.length - 5, whole.length - 1],
        [1_000_000, 3_000_000],
      ];
      for (const [start, end] of ranges) {
        const chunks: Buffer[] = [];
        for await (const c of img.createReadStream('/random.bin', start, end)) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).equals(whole.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
      }
      const tail: Buffer[] = [];
      for await (const c of img.createReadStream('/random.bin', whole.length - 3, whole.length + 100)) tail.push(c as Buffer);
      expect(Buffer.concat(tail).equals(whole.subarray(whole.length - 3))).toBe(true);
    });
  });

  it('reports a missing path as an IsoError with code not-found, in the stream too', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      await expect(img.readFile('/nope')).rejects.toMatchObject({ code: 'not-found' });
      await expect(img.list('/random.bin')).rejects.toMatchObject({ code: 'not-a-directory' });
      const stream = img.createReadStream('/no/such/file');
      await expect(sha256Stream(stream)).rejects.toBeInstanceOf(IsoError);
    });
  });

  it('refuses to read a file whole beyond maxBytes', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      await expect(img.readFile('/random.bin', { maxBytes: 1000 })).rejects.toMatchObject({ code: 'too-large' });
    });
  });

  it('reads raw image bytes at any offset', async () => {
    const fh = await openFile(iso('rr-joliet'));
    try {
      await withImage(iso('rr-joliet'), async (img) => {
        for (const [offset, length] of [[0, 512], [32768, 2048], [img.size - 100, 100], [12345, 65536]] as const) {
          const expected = Buffer.alloc(length);
          await fh.read(expected, 0, length, offset);
          expect(Buffer.from(await img.readAt(offset, length)).equals(expected)).toBe(true);
        }
        await expect(img.readAt(img.size - 1, 2)).rejects.toBeInstanceOf(RangeError);
      });
    } finally {
      await fh.close();
    }
  });

  it('reads a directory once when many callers ask for it at the same moment', async () => {
    const bytes = new Uint8Array(await readFile(iso('rr-joliet')));
    const reads: number[] = [];
    const counting = new MemoryByteSource(bytes);
    const source = { size: counting.size, close: () => counting.close(), read: (t: Uint8Array, at: number) => (reads.push(at), counting.read(t, at)) };
    const img = await IsoImage.fromSource(source, 'counting.iso');
    const root = (await img.list('/')).length;
    const many = (await img.stat('/many'))!;
    reads.length = 0;
    const lists = await Promise.all(Array.from({ length: 20 }, () => img.list('/many')));
    expect(new Set(lists.map((l) => l.length))).toEqual(new Set([150]));
    expect(reads.filter((at) => at === many.extents[0]!.sector * 2048)).toHaveLength(1);
    expect(root).toBeGreaterThan(10);
  });

  it('streams stop with an IsoError when the image is closed under them', async () => {
    const img = await IsoImage.open(iso('rr-joliet'));
    const stream = img.createReadStream('/random.bin');
    await new Promise((resolve) => stream.once('readable', resolve));
    await img.close();
    await expect(sha256Stream(stream)).rejects.toBeInstanceOf(IsoError);
  });

  it('refuses every operation after close', async () => {
    const img = await IsoImage.open(iso('plain'));
    await img.close();
    await expect(img.list('/')).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('El Torito', () => {
  const withBootImages = [
    ['the xorriso-built BIOS + UEFI fixture', () => iso('rr-joliet')],
    ['the isohybrid fixture', () => iso('hybrid')],
    ["Debian's ipxe.iso", () => IPXE_ISO],
  ] as const;
  it.each(withBootImages)('exposes the boot images of %s under /[BOOT] exactly as xorriso -extract_boot_images does', async (_what, path) => {
    const expected = await extractBootImages(path(), join(work, `boot-${basename(path())}`));
    expect(expected.length).toBeGreaterThanOrEqual(2);
    await withImage(path(), async (img) => {
      const listed = await img.list('/[BOOT]');
      expect(listed.map((e) => e.name)).toEqual(expected.map((f) => (/_(bios|uefi)\.img$/.exec(f)?.[1] ?? '?') + '.img'));
      for (const [i, entry] of listed.entries()) {
        expect(entry.size, entry.name).toBe((await stat(expected[i]!)).size);
        expect(await sha256Stream(img.createReadStream(entry)), entry.name).toBe(await sha256File(expected[i]!));
      }
    });
  });

  // memtest86+ appends its UEFI image after the ISO volume and boots BIOS from an emulated floppy.
  it.skipIf(!existsSync(MEMTEST_ISO))("reads memtest86+'s floppy-emulation and appended UEFI images like xorriso", async () => {
    const expected = await extractBootImages(MEMTEST_ISO, join(work, 'boot-memtest'));
    await withImage(MEMTEST_ISO, async (img) => {
      const s = await img.summary();
      expect(s.elTorito?.images.map((i) => [i.platform, i.media, i.size])).toEqual([
        ['bios', 'floppy-1.44M', 1_474_560],
        ['uefi', 'no-emulation', 4_194_304],
      ]);
      expect(await sha256Stream(img.createReadStream('/[BOOT]/bios.img'))).toBe(await sha256File(expected[0]!));
      expect(await sha256Stream(img.createReadStream('/[BOOT]/uefi.img'))).toBe(await sha256File(expected[1]!));
    });
  });

  it('sizes the UEFI image from the file at its sector, or else from its FAT header', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      const uefi = await img.stat('/[BOOT]/uefi.img');
      expect(uefi?.size).toBe(1_474_560);
      expect(await sha256Stream(img.createReadStream('/[BOOT]/uefi.img'))).toBe(await sha256File(join(src, 'EFI', 'efiboot.img')));
      // BIOS no-emulation: isolinux.bin as stored (patched with the boot info table).
      const bios = await img.readFile('/[BOOT]/bios.img');
      expect(Buffer.from(bios).equals(Buffer.from(await img.readFile('/isolinux/isolinux.bin')))).toBe(true);
    });
  });

  it('summarises the catalog entries with platform, media and load sector', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      const s = await img.summary();
      expect(s.elTorito?.images.map((i) => [i.path, i.platform, i.media, i.bootable, i.sectorCount])).toEqual([
        ['/[BOOT]/bios.img', 'bios', 'no-emulation', true, 4],
        ['/[BOOT]/uefi.img', 'uefi', 'no-emulation', true, 2880],
      ]);
    });
  });

  it('sizes a UEFI image over 32 MiB from its FAT header, as the catalog cannot count that far', async () => {
    const dir = join(work, 'big-efi');
    await mkdir(join(dir, 'EFI'), { recursive: true });
    run('mkfs.fat', ['-C', join(dir, 'EFI', 'big.img'), String(40 * 1024)]);
    mkisofs(['-R', '-e', 'EFI/big.img', '-no-emul-boot', '-o', iso('big-efi'), dir]);
    await withImage(iso('big-efi'), async (img) => {
      const s = await img.summary();
      expect(s.elTorito?.images.map((i) => [i.platform, i.sectorCount, i.size])).toEqual([['uefi', 0, 40 << 20]]);
      expect(await sha256Stream(img.createReadStream('/[BOOT]/uefi.img'))).toBe(await sha256File(join(dir, 'EFI', 'big.img')));
    });
  });

  it('has no /[BOOT] on an image without a boot catalog', async () => {
    await withImage(iso('plain'), async (img) => {
      expect(await img.stat('/[BOOT]')).toBeNull();
      expect((await img.summary()).elTorito).toBeNull();
    });
  });
});

describe('summary', () => {
  it('names the volume, the name source and the boot-relevant files', async () => {
    await withImage(iso('rr-joliet'), async (img) => {
      const s = await img.summary();
      expect(s).toMatchObject({ volumeId: 'FIXTURE_RR', names: 'rock-ridge', rockRidge: true, joliet: true, udf: false, size: img.size });
      expect(s.hybrid).toEqual({ mbr: false, gpt: false, mbrPartitionTypes: [] });
      const roles = Object.fromEntries(s.bootFiles.map((f) => [f.path, f.role]));
      expect(roles).toMatchObject({
        '/casper': 'live-dir',
        '/casper/vmlinuz': 'kernel',
        '/casper/initrd': 'initrd',
        '/isolinux/isolinux.cfg': 'bootloader-config',
        '/Boot/Grub/Grub.CFG': 'bootloader-config',
        '/isolinux/isolinux.bin': 'bios-loader',
        '/EFI/boot/bootx64.efi': 'efi-loader',
        '/EFI/efiboot.img': 'efi-image',
        '/.disk/info': 'disk-info',
      });
      expect(roles['/random.bin']).toBeUndefined();
      expect(s.bootFilesComplete).toBe(true);
    });
  });

  it('detects the isohybrid MBR and GPT', async () => {
    await withImage(iso('hybrid'), async (img) => {
      const s = await img.summary();
      expect(s.hybrid.mbr).toBe(true);
      expect(s.hybrid.gpt).toBe(true);
    });
    await withImage(IPXE_ISO, async (img) => {
      const s = await img.summary();
      expect(s.hybrid).toMatchObject({ mbr: true, gpt: false });
      expect(s.elTorito?.images.map((i) => [i.platform, i.size])).toEqual([['bios', 38_912], ['uefi', 884_736]]);
      expect(s.bootFiles.map((f) => [f.path, f.role])).toContainEqual(['/ipxe.krn', 'kernel']);
    });
  });

  it('reports Joliet as the name source of a Joliet-only image', async () => {
    await withImage(iso('joliet'), async (img) => {
      expect(await img.summary()).toMatchObject({ names: 'joliet', rockRidge: false, joliet: true, volumeId: 'JOLIET_ONLY' });
    });
  });
});
