import { open, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, sha256File, sha256Stream } from '../../test/support/iso-fixtures.ts';
import { seededBytes } from '../../test/support/seeded-random.ts';
import { IsoImage } from './iso-image.ts';

// ISO 9660 level 3 stores a file over 4 GiB as several directory records, each an extent of
// at most 4 GiB − 2048 bytes (xorriso's split point). A sparse source and a sparse copy of the
// image keep disk use to a few MiB while the reader still sees 4 GiB + 64 MiB of data.
const SIZE = 2 ** 32 + (64 << 20) + 123;
const XORRISO_EXTENT = 2 ** 32 - 2048;
const MARKS: [number, Uint8Array][] = [
  [0, seededBytes(4096, 1)],
  [XORRISO_EXTENT - 3000, seededBytes(6000, 2)], // straddles the first extent boundary
  [2 ** 32 - 10, seededBytes(20, 3)],
  [SIZE - 5000, seededBytes(5000, 4)],
];

let work: string;
let source: string;
let image: string;

async function diskUse(path: string): Promise<number> {
  return (await stat(path)).blocks * 512;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bootcast-iso-big-'));
  await mkdir(join(work, 'src'));
  source = join(work, 'src', 'huge.img');
  const fh = await open(source, 'w');
  await fh.truncate(SIZE);
  for (const [at, bytes] of MARKS) await fh.write(bytes, 0, bytes.length, at);
  await fh.close();
  image = join(work, 'big.iso');
  // xorriso writes the zeros; dd conv=sparse turns them back into holes.
  run('sh', ['-c', `xorriso -as mkisofs -quiet -iso-level 3 -R -V BIG -o - '${join(work, 'src')}' | dd of='${image}' bs=1M iflag=fullblock conv=sparse status=none`]);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a file over 4 GiB stored in several extents (ISO level 3)', () => {
  it('keeps the fixtures sparse on disk', async () => {
    expect((await stat(image)).size).toBeGreaterThan(SIZE);
    expect(await diskUse(image)).toBeLessThan(64 << 20);
    expect(await diskUse(source)).toBeLessThan(64 << 20);
  });

  it('is listed once, with its whole size and one extent per 4 GiB part', async () => {
    const img = await IsoImage.open(image);
    try {
      const entries = await img.list('/');
      expect(entries.map((e) => [e.name, e.kind, e.size])).toEqual([['huge.img', 'file', SIZE]]);
      expect(entries[0]!.extents.map((x) => x.length)).toEqual([XORRISO_EXTENT, SIZE - XORRISO_EXTENT]);
    } finally {
      await img.close();
    }
  });

  it('streams byte ranges across the extent boundary exactly as the source holds them', async () => {
    const img = await IsoImage.open(image);
    const src = await open(source);
    try {
      const ranges: [number, number][] = [
        [XORRISO_EXTENT - 3000, XORRISO_EXTENT + 2999],
        [XORRISO_EXTENT - 1, XORRISO_EXTENT],
        [XORRISO_EXTENT, XORRISO_EXTENT + 100],
        [2 ** 32 - 10, 2 ** 32 + 9],
        [SIZE - 5000, SIZE - 1],
      ];
      for (const [start, end] of ranges) {
        const expected = Buffer.alloc(end - start + 1);
        await src.read(expected, 0, expected.length, start);
        const chunks: Buffer[] = [];
        for await (const c of img.createReadStream('/huge.img', start, end)) chunks.push(c as Buffer);
        expect(Buffer.concat(chunks).equals(expected), `${start}-${end}`).toBe(true);
      }
    } finally {
      await src.close();
      await img.close();
    }
  });

  it("hashes to the same sha256 as xorriso's own (sparse) extraction", async () => {
    const out = join(work, 'extracted');
    run('xorriso', ['-osirrox', 'on:sparse=1m', '-indev', image, '-extract', '/', out]);
    expect(await diskUse(join(out, 'huge.img'))).toBeLessThan(64 << 20);
    const img = await IsoImage.open(image);
    try {
      const [ours, theirs] = await Promise.all([sha256Stream(img.createReadStream('/huge.img')), sha256File(join(out, 'huge.img'))]);
      expect(ours).toBe(theirs);
    } finally {
      await img.close();
    }
  }, 180_000);
});
