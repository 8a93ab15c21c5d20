import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fidIcbBlock, fidOffset, fileEntryOffset, firstAdOffset, partitionStart, reseal, setFidIcbBlock } from '../../test/support/udf-patch.ts';
import { genisoimageUdf, makeUdfSourceTree } from '../../test/support/udf-fixtures.ts';
import { MemoryByteSource } from './byte-source.ts';
import { IsoError, IsoImage } from './iso-image.ts';

let work: string;
let pristine: Uint8Array;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-udf-bad-'));
  await mkdir(join(work, 'src'));
  await makeUdfSourceTree(join(work, 'src'));
  genisoimageUdf(join(work, 'src'), join(work, 'good.iso'));
  pristine = new Uint8Array(await readFile(join(work, 'good.iso')));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function withVariant<T>(edit: (b: Uint8Array) => Uint8Array | void, fn: (img: IsoImage) => Promise<T>): Promise<T> {
  const copy = pristine.slice();
  const bytes = edit(copy) ?? copy;
  const img = await IsoImage.fromSource(new MemoryByteSource(bytes), 'bad.iso', { fileSystem: 'udf' });
  try {
    return await fn(img);
  } finally {
    await img.close();
  }
}

async function failure(p: Promise<unknown>): Promise<IsoError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IsoError);
  return err as IsoError;
}

async function walkAll(img: IsoImage): Promise<number> {
  let n = 0;
  for await (const _ of img.walk()) n++;
  return n;
}

describe('damaged UDF trees', () => {
  it('ends a walk with a named error when a directory points back at its parent', async () => {
    const err = await withVariant(
      (b) => setFidIcbBlock(b, fidOffset(b, 'level2'), fidIcbBlock(b, fidOffset(b, 'level1'))),
      (img) => failure(walkAll(img)),
    );
    expect(err.code).toBe('corrupt');
    expect(err.message).toMatch(/^bad\.iso: directory loop: \/level1\/level2 points back at one of its parent directories/);
  });

  it('stops following allocation extent descriptors that chain into themselves', async () => {
    const err = await withVariant(
      (b) => {
        // An allocation extent descriptor in a block of random.bin's data, whose only
        // descriptor continues at itself; random.bin's entry continues there too.
        const fe = fileEntryOffset(b, 'random.bin');
        const ad = firstAdOffset(b, fe);
        const v = new DataView(b.buffer);
        const dataBlock = v.getUint32(ad + 4, true);
        const aed = (partitionStart(b) + dataBlock) * 2048;
        b.fill(0, aed, aed + 2048);
        v.setUint16(aed, 258, true);
        v.setUint16(aed + 2, 2, true);
        v.setUint32(aed + 12, dataBlock, true);
        v.setUint32(aed + 20, 8, true);
        v.setUint32(aed + 24, (3 << 30) | 2048, true);
        v.setUint32(aed + 28, dataBlock, true);
        v.setUint16(aed + 10, 16, true);
        reseal(b, aed);
        v.setUint32(ad, (3 << 30) | 2048, true);
        reseal(b, fe);
      },
      (img) => failure(img.stat('/random.bin')),
    );
    expect(err.code).toBe('limit');
    expect(err.message).toContain('/random.bin chains through more than 1024 allocation extent blocks');
  });

  it('refuses a file entry whose length its extents cannot hold', async () => {
    const err = await withVariant(
      (b) => {
        const fe = fileEntryOffset(b, 'random.bin');
        new DataView(b.buffer).setBigUint64(fe + 56, 1n << 50n, true);
        reseal(b, fe);
      },
      (img) => failure(img.stat('/random.bin')),
    );
    expect(err.code).toBe('corrupt');
    expect(err.message).toContain(`/random.bin is ${2 ** 50} bytes long but its extents hold only`);
  });

  it('refuses an absurd 64-bit length without losing precision', async () => {
    const err = await withVariant(
      (b) => {
        const fe = fileEntryOffset(b, 'random.bin');
        new DataView(b.buffer).setBigUint64(fe + 56, 0xffff_ffff_ffff_ff00n, true);
        reseal(b, fe);
      },
      (img) => failure(img.list('/')),
    );
    expect(err.message).toMatch(/information length of \d+ bytes is absurd/);
  });

  it('names a file entry whose CRC does not match (a damaged sector)', async () => {
    const err = await withVariant(
      (b) => {
        const at = fileEntryOffset(b, 'tiny.txt') + 100;
        b[at] = b[at]! ^ 0xff;
      },
      (img) => failure(img.list('/')),
    );
    expect(err.code).toBe('corrupt');
    expect(err.message).toContain('file entry of /tiny.txt: descriptor CRC is wrong');
  });

  it('reports a truncated image as truncated when the missing part is read', async () => {
    const err = await failure(
      (async () => {
        const bytes = pristine.slice(0, Math.floor(pristine.length / 2));
        const img = await IsoImage.fromSource(new MemoryByteSource(bytes), 'cut.iso', { fileSystem: 'udf' });
        try {
          await walkAll(img);
          await img.readFile('/random.bin', { maxBytes: 1 << 30 });
        } finally {
          await img.close();
        }
      })(),
    );
    expect(['truncated', 'corrupt']).toContain(err.code);
    expect(err.message).toMatch(/^cut\.iso: /);
  });
});
