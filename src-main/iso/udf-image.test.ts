import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSorted, diskTree, isoTree, run, sha256File, sha256Stream } from '../../test/support/iso-fixtures.ts';
import { seededBytes } from '../../test/support/seeded-random.ts';
import { metadataFileOffset, toMetadataPartition } from '../../test/support/udf-patch.ts';
import { extractWith7z, genisoimageUdf, stubIso9660Side, genisoimageUdfSparse, makeUdfSourceTree, mkudffsImage, UDF_DEEP_DIR, UDF_UNICODE_NAME } from '../../test/support/udf-fixtures.ts';
import { IsoImage, type OpenOptions } from './iso-image.ts';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-udf-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function withUdf<T>(path: string, opts: OpenOptions, fn: (img: IsoImage) => Promise<T>): Promise<T> {
  const img = await IsoImage.open(path, opts);
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

describe('a genisoimage -udf bridge image (UDF 1.02)', () => {
  let image: string;
  let extracted: string;

  beforeAll(async () => {
    const src = join(work, 'bridge-src');
    await mkdir(src);
    await makeUdfSourceTree(src);
    image = join(work, 'bridge.iso');
    genisoimageUdf(src, image, ['-J', '-r']);
    extracted = join(work, 'bridge-7z');
    extractWith7z(image, extracted);
  });

  it('lists every entry with the sizes and sha256 7-Zip extracts from its UDF side', async () => {
    const expected = await diskTree(extracted);
    const seen = await withUdf(image, { fileSystem: 'udf' }, (img) => isoTree(img));
    expect(asSorted(seen)).toEqual(asSorted(expected));
    expect(seen.get(`/${UDF_DEEP_DIR}/deep.txt`)?.kind).toBe('file');
    expect(seen.has(`/${UDF_UNICODE_NAME}`)).toBe(true);
    expect(seen.get('/empty')).toMatchObject({ kind: 'file', size: 0 });
  });

  it('reads the ISO 9660 side by default when it holds the same files, and says which it read', async () => {
    await withUdf(image, {}, async (img) => {
      const s = await img.summary();
      expect(s.fileSystem).toBe('iso9660');
      expect(s.udf).toBe(true);
    });
    await withUdf(image, { fileSystem: 'udf' }, async (img) => {
      const s = await img.summary();
      expect(s).toMatchObject({ fileSystem: 'udf', names: 'udf', udfRevision: '1.02', volumeId: 'UDFBRIDGE' });
    });
  });

  it('serves ranges and case-insensitive lookups like the ISO 9660 reader', async () => {
    await withUdf(image, { fileSystem: 'udf' }, async (img) => {
      const whole = new Uint8Array(await readFile(join(extracted, 'random.bin')));
      const part = await collect(img.createReadStream('/random.bin', 5000, 700_000));
      expect(part.equals(Buffer.from(whole.subarray(5000, 700_001)))).toBe(true);
      expect(await img.stat('/sources/boot.wim')).toBeNull();
      expect((await img.stat('/sources/boot.wim', { caseInsensitive: true }))?.path).toBe('/Sources/Boot.WIM');
      expect(new TextDecoder().decode(await img.readFile('/tiny.txt'))).toBe('tiny\n');
    });
  });
});

describe('a bridge image whose ISO 9660 side is only a README (as on Windows media)', () => {
  it('is read through UDF, and the summary says so', async () => {
    const src = join(work, 'stub-src');
    await mkdir(join(src, 'sources'), { recursive: true });
    await writeFile(join(src, 'README.TXT'), 'This disc contains a "UDF" file system and requires an operating system that supports UDF.\n');
    await writeFile(join(src, 'sources', 'boot.wim'), seededBytes(10_000, 3));
    const image = join(work, 'stub.iso');
    genisoimageUdf(src, image);
    await stubIso9660Side(image);
    await withUdf(image, {}, async (img) => {
      expect((await img.list('/')).map((e) => e.name).sort()).toEqual(['README.TXT', 'sources']);
      expect((await img.summary()).fileSystem).toBe('udf');
      expect(await sha256Stream(img.createReadStream('/sources/boot.wim'))).toBe(await sha256File(join(src, 'sources', 'boot.wim')));
    });
    await withUdf(image, { fileSystem: 'iso9660' }, async (img) => {
      expect((await img.list('/')).map((e) => e.name)).toEqual(['README.TXT']);
    });
  });
});

describe('a mkudffs UDF 2.01 image populated by udfclient', () => {
  it('lists what udfclient wrote as 7-Zip extracts it', async () => {
    const src = join(work, 'mk-src');
    await mkdir(join(src, 'Sources', 'Inner'), { recursive: true });
    await writeFile(join(src, 'Sources', 'Inner', 'Boot.WIM'), seededBytes(300_000, 9));
    await writeFile(join(src, 'naïve-日本.txt'), 'ünï\n');
    const image = join(work, 'mk.udf');
    mkudffsImage(src, ['Sources', 'naïve-日本.txt'], image, 32);
    const extracted = join(work, 'mk-7z');
    extractWith7z(image, extracted);
    const expected = await diskTree(extracted);
    expect(expected.get('/Sources/Inner/Boot.WIM')?.size).toBe(300_000);
    await withUdf(image, {}, async (img) => {
      expect(asSorted(await isoTree(img))).toEqual(asSorted(expected));
      expect(await img.summary()).toMatchObject({ fileSystem: 'udf', udfRevision: '2.01', volumeId: 'MKUDFFS', elTorito: null });
    });
    // udfclient's own listing of the same volume, as a second opinion on the names.
    const listing = run('udfclient', ['-b', '2048', image], { input: 'ls\nquit\n' });
    expect(listing).toContain('MKUDFFS');

    // The same volume rewritten as UDF 2.50 with a metadata partition (no Debian tool writes
    // one; 7-Zip does not read one): the same files, now reached through the metadata file,
    // and through its mirror when the main copy is damaged. udfinfo accepts the result.
    const bytes = new Uint8Array(await readFile(image));
    toMetadataPartition(bytes);
    const meta = join(work, 'mk-250.udf');
    await writeFile(meta, bytes);
    expect(run('udfinfo', [meta])).toMatch(/numdirs=3/);
    await withUdf(meta, {}, async (img) => {
      expect(asSorted(await isoTree(img))).toEqual(asSorted(expected));
      expect((await img.summary()).udfRevision).toBe('2.50');
    });
    const damaged = bytes.slice();
    const metaFile = metadataFileOffset(damaged);
    damaged[metaFile + 20] = damaged[metaFile + 20]! ^ 0xff;
    await writeFile(meta, damaged);
    await withUdf(meta, {}, async (img) => {
      expect(asSorted(await isoTree(img))).toEqual(asSorted(expected));
    });
  });

  it('opens an empty mkudffs volume that has no ISO 9660 side at all', async () => {
    const image = join(work, 'empty.udf');
    run('mkudffs', ['--media-type=dvd', '--blocksize=2048', '--label=UDFONLY', image, '2048']);
    await withUdf(image, {}, async (img) => {
      const s = await img.summary();
      expect(s).toMatchObject({ fileSystem: 'udf', volumeId: 'UDFONLY', joliet: false });
      expect((await img.list('/')).filter((e) => e.name !== 'lost+found')).toEqual([]);
    });
  });
});

describe('a UDF file over 4 GiB', () => {
  // A sparse 4 GiB + 64 MiB source; genisoimage writes its zeros into a pipe and dd turns them
  // back into holes, so the image costs a few MiB of disk.
  const SIZE = 2 ** 32 + (64 << 20) + 77;
  const MARKS: [number, Uint8Array][] = [
    [0, seededBytes(4096, 1)],
    [2 ** 32 - 10, seededBytes(20, 3)],
    [SIZE - 5000, seededBytes(5000, 4)],
  ];
  let image: string;

  beforeAll(async () => {
    const src = join(work, 'big-src');
    await mkdir(join(src, 'sources'), { recursive: true });
    const fh = await open(join(src, 'sources', 'install.wim'), 'w');
    await fh.truncate(SIZE);
    for (const [at, bytes] of MARKS) await fh.write(bytes, 0, bytes.length, at);
    await fh.close();
    image = join(work, 'big.iso');
    genisoimageUdfSparse(src, image);
  }, 180_000);

  it('has the size 7-Zip lists, and its bytes at the 4 GiB boundary and the end', async () => {
    const listing = run('7z', ['l', '-tudf', '-slt', image]);
    expect(listing).toContain(`Size = ${SIZE}`);
    await withUdf(image, { fileSystem: 'udf' }, async (img) => {
      const e = await img.stat('/sources/install.wim');
      expect(e?.size).toBe(SIZE);
      for (const [at, bytes] of MARKS) {
        const got = await collect(img.createReadStream('/sources/install.wim', at, at + bytes.length - 1));
        expect(got.equals(Buffer.from(bytes))).toBe(true);
      }
    });
  });
});
