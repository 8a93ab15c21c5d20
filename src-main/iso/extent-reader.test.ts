import { describe, expect, it } from 'vitest';
import { seededBytes } from '../../test/support/seeded-random.ts';
import { MemoryByteSource, type ByteSource } from './byte-source.ts';
import { ExtentReader } from './extent-reader.ts';
import type { Extent } from './iso-entry.ts';

// A file in three runs: 3000 bytes at sector 2, 1000 sparse (zeros), 5000 from byte 100 of
// sector 10; its recorded size (8500) stops short of what the extents hold (9000).
const image = seededBytes(40 * 2048, 7);
const extents: Extent[] = [{ sector: 2, length: 3000 }, { sector: 0, length: 1000, sparse: true }, { sector: 10, length: 5000, within: 100 }];
const SIZE = 8500;
const expected = Buffer.concat([image.subarray(2 * 2048, 2 * 2048 + 3000), Buffer.alloc(1000), image.subarray(10 * 2048 + 100, 10 * 2048 + 5100)]).subarray(0, SIZE);
const target = { path: '/f.bin', extents, size: SIZE };

async function readAt(reader: ExtentReader, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length, 0xee);
  const n = await reader.read(buf, position);
  return buf.subarray(0, n);
}

describe('ExtentReader', () => {
  it('reads any span, across extent boundaries and through a sparse run, as the file holds it', async () => {
    const reader = new ExtentReader(new MemoryByteSource(image), 'test.iso', target);
    for (const [at, len] of [[0, SIZE], [2990, 20], [3990, 30], [3500, 1], [0, 4096], [4096, 4096], [8192, 308]] as const) {
      expect(await readAt(reader, at, len)).toEqual(expected.subarray(at, at + len));
    }
  });

  it('answers reads issued together, and out of order, each with its own span', async () => {
    const reader = new ExtentReader(new MemoryByteSource(image), 'test.iso', target);
    const spans = [6000, 0, 4000, 2048, 7000, 1000];
    const got = await Promise.all(spans.map((at) => readAt(reader, at, 1500)));
    got.forEach((b, i) => expect(b).toEqual(expected.subarray(spans[i]!, spans[i]! + 1500)));
  });

  it('returns fewer bytes at the end of the file, and at the end of an image cut short while open', async () => {
    const reader = new ExtentReader(new MemoryByteSource(image), 'test.iso', target);
    expect((await readAt(reader, 8000, 4096)).byteLength).toBe(500);
    expect((await readAt(reader, SIZE, 10)).byteLength).toBe(0);
    // The image as stat'ed at open, but reads now stop at byte 21 000 (it was truncated since).
    const cut: ByteSource = { size: image.byteLength, read: (t, p) => new MemoryByteSource(image.subarray(0, 21_000)).read(t, p), close: async () => {} };
    const short = new ExtentReader(cut, 'test.iso', target);
    expect((await readAt(short, 0, SIZE)).byteLength).toBe(21_000 - (10 * 2048 + 100) + 4000);
  });

  it('refuses a file whose data lies past the end of the image, naming it', () => {
    expect(() => new ExtentReader(new MemoryByteSource(image.subarray(0, 11 * 2048)), 'test.iso', target)).toThrow(/\/f\.bin .*beyond the end of the image/);
  });
});
