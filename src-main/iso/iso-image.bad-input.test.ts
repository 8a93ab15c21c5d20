import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG_NAME, makeSourceTree, mkisofs, run, sha256Stream, withImage } from '../../test/support/iso-fixtures.ts';
import { seededBytes } from '../../test/support/seeded-random.ts';
import { findRecord, findSuspEntry, rootExtent, setExtent, writeBoth32 } from '../../test/support/iso-patch.ts';
import { IsoError, IsoImage } from './iso-image.ts';

let work: string;
let pristine: Uint8Array;
let plain: Uint8Array;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-iso-bad-'));
  await makeSourceTree(join(work, 'src'));
  mkisofs(['-R', '-J', '-V', 'BAD', '-o', join(work, 'good.iso'), join(work, 'src')]);
  pristine = new Uint8Array(await readFile(join(work, 'good.iso')));
  await mkdir(join(work, 'bridge'));
  await writeFile(join(work, 'bridge', 'README.TXT'), 'This disc contains a "UDF" file system and requires an operating system that supports the ISO-13346 "UDF" file system specification.\n');
  mkisofs(['-V', 'BRIDGE', '-o', join(work, 'bridge.iso'), join(work, 'bridge')]);
  plain = new Uint8Array(await readFile(join(work, 'bridge.iso')));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Writes a patched copy of the good image and returns its path. */
async function variant(edit: (b: Uint8Array) => Uint8Array | void, base = pristine): Promise<string> {
  const copy = base.slice();
  const out = edit(copy) ?? copy;
  const path = join(work, `bad-${++n}.iso`);
  await writeFile(path, out);
  return path;
}

async function openError(path: string): Promise<IsoError> {
  const err = await IsoImage.open(path).then(
    (img) => img.close().then(() => null),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IsoError);
  return err as IsoError;
}

async function walkAll(img: IsoImage): Promise<number> {
  let count = 0;
  for await (const _ of img.walk()) count++;
  return count;
}

describe('files that are not usable ISO images', () => {
  it('says a truncated image is truncated and names the file', async () => {
    const path = await variant((b) => b.subarray(0, Math.floor(b.length / 2)));
    const err = await openError(path);
    expect(err.code).toBe('truncated');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/truncated.*declares \d+ bytes but the file has \d+/);
  });

  it('says random bytes are not an ISO 9660 image', async () => {
    const path = join(work, 'random.bin');
    await writeFile(path, seededBytes(1 << 20, 99));
    const err = await openError(path);
    expect(err.code).toBe('not-iso');
    expect(err.message).toBe(`${path}: not an ISO 9660 image: no "CD001" volume descriptor at byte 32768`);
  });

  it('says a file too small to hold volume descriptors is not an image', async () => {
    const path = join(work, 'tiny.txt');
    await writeFile(path, 'hello\n');
    expect((await openError(path)).message).toMatch(/tiny\.txt: not an ISO 9660 image: only 6 bytes/);
  });

  it('names a missing image file as an io error', async () => {
    const err = await openError(join(work, 'missing.iso'));
    expect(err.code).toBe('io');
    expect(err.message).toContain('missing.iso');
  });

  it('refuses a logical block size other than 2048', async () => {
    const path = await variant((b) => {
      b[32768 + 128] = 0x00;
      b[32768 + 129] = 0x02; // 512, little-endian half
    });
    const err = await openError(path);
    expect(err.code).toBe('unsupported');
    expect(err.message).toContain('logical block size 512');
  });
});

describe('UDF', () => {
  it('reads a UDF-only image made by mkudffs through UDF', async () => {
    const path = join(work, 'udf.img');
    run('mkudffs', ['--media-type=dvd', '--blocksize=2048', '--label=UDFONLY', path, '2048']);
    await withImage(path, async (img) => {
      expect((await img.summary()).fileSystem).toBe('udf');
    });
  });

  /** Writes BEA01 / NSR02 / TEA01 (ECMA-167 volume recognition) after the ISO terminator. */
  function addUdfRecognition(b: Uint8Array): void {
    let s = 16;
    while (b[s * 2048] !== 255) s++;
    ['BEA01', 'NSR02', 'TEA01'].forEach((id, i) => {
      const at = (s + 1 + i) * 2048;
      b.fill(0, at, at + 2048);
      b.set([0, ...[...id].map((c) => c.charCodeAt(0)), 1], at);
    });
  }

  it('names the missing UDF anchor of a bridge image whose ISO 9660 side holds only a README', async () => {
    const err = await openError(await variant(addUdfRecognition, plain));
    expect(err.code).toBe('corrupt');
    expect(err.message).toContain('UDF: no anchor volume descriptor pointer at sector 256');
  });

  it('reads the ISO 9660 side when it mirrors the UDF content, and reports UDF in the summary', async () => {
    await withImage(await variant(addUdfRecognition), async (img) => {
      expect((await img.summary()).udf).toBe(true);
      expect(await walkAll(img)).toBeGreaterThan(100);
    });
  });
});

describe('damaged directory trees', () => {
  it('reports a file whose data lies outside the image when it is read, naming the path', async () => {
    const path = await variant((b) => setExtent(b, findRecord(b, rootExtent(b), 'RANDOM.BIN'), 0x7fff_0000));
    await withImage(path, async (img) => {
      expect((await img.stat('/random.bin'))?.kind).toBe('file');
      const err = await img.readFile('/random.bin', { maxBytes: 1 << 30 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IsoError);
      expect((err as IsoError).message).toMatch(/random\.bin.*beyond the end of the image/);
      await expect(sha256Stream(img.createReadStream('/random.bin'))).rejects.toMatchObject({ code: 'corrupt' });
    });
  });

  it('reports a directory whose extent lies outside the image when it is listed', async () => {
    const path = await variant((b) => setExtent(b, findRecord(b, rootExtent(b), 'LEVEL1'), 0x7fff_0000));
    await withImage(path, async (img) => {
      const err = (await img.list('/level1').catch((e: unknown) => e)) as IsoError;
      expect(err).toBeInstanceOf(IsoError);
      expect(err.message).toContain(`${path}: directory /level1`);
      expect(err.message).toContain('beyond the end of the image');
    });
  });

  it('stops a walk at a directory that points back at the root', async () => {
    const path = await variant((b) => {
      const root = rootExtent(b);
      setExtent(b, findRecord(b, root, 'LEVEL1'), root.sector, root.length);
    });
    await withImage(path, async (img) => {
      await expect(walkAll(img)).rejects.toThrow(/directory loop: \/level1 points back/);
      // Lookups stay bounded by the path's length, loop or not.
      expect((await img.stat('/level1/level1/level1/random.bin'))?.kind).toBe('file');
    });
  });

  it('stops a Rock Ridge continuation (CE) chain that loops onto itself', async () => {
    const path = await variant((b) => {
      const rec = findRecord(b, rootExtent(b), LONG_NAME.slice(0, 8).toUpperCase().replace(/-/g, '_') + '.TXT');
      const ce = findSuspEntry(rec, 'CE');
      expect(ce).toBeGreaterThan(0);
      writeBoth32(b, ce + 4, Math.floor(ce / 2048)); // continuation block := this sector
      writeBoth32(b, ce + 12, ce % 2048); // offset := this CE entry
      writeBoth32(b, ce + 20, 28); // length := one CE entry
    });
    await withImage(path, async (img) => {
      const err = (await img.list('/').catch((e: unknown) => e)) as IsoError;
      expect(err).toBeInstanceOf(IsoError);
      expect(err.code).toBe('limit');
      expect(err.message).toMatch(/continuation \(CE\) loop/);
    });
  });

  it('refuses a directory claiming an absurd length before reading it', async () => {
    const path = await variant((b) => writeBoth32(b, findRecord(b, rootExtent(b), 'MANY').at + 10, 0xffff_f000));
    await withImage(path, async (img) => {
      await expect(img.list('/many')).rejects.toMatchObject({ code: 'limit' });
    });
  });

  it('reports a system use entry whose length runs past its record', async () => {
    const path = await variant((b) => {
      const rec = findRecord(b, rootExtent(b), 'RANDOM.BIN');
      const nm = findSuspEntry(rec, 'NM');
      b[nm + 2] = 250;
    });
    await withImage(path, async (img) => {
      const err = (await img.list('/').catch((e: unknown) => e)) as IsoError;
      expect(err.code).toBe('corrupt');
      expect(err.message).toMatch(/system use entry "NM" of 250 bytes runs past its area/);
    });
  });

  it('gives up on symbolic links that point at each other', async () => {
    const dir = join(work, 'links');
    await mkdir(dir);
    await symlink('b', join(dir, 'a'));
    await symlink('a', join(dir, 'b'));
    mkisofs(['-R', '-o', join(work, 'links.iso'), dir]);
    await withImage(join(work, 'links.iso'), async (img) => {
      expect((await img.stat('/a'))?.kind).toBe('symlink');
      await expect(img.stat('/a/x')).rejects.toMatchObject({ code: 'limit' });
      await expect(img.readFile('/a')).rejects.toThrow(/too many levels of symbolic links/);
    });
  });
});
