import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeNetascii } from '../../protocol/tftp/netascii.ts';
import { BlockReader } from './block-reader.ts';

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));

async function readAll(reader: BlockReader): Promise<Uint8Array[]> {
  const blocks: Uint8Array[] = [];
  while (!reader.done) blocks.push(await reader.next());
  return blocks;
}

describe('BlockReader', () => {
  it.each([
    ['chunks smaller than a block', [100, 100, 100, 50], 128],
    ['chunks larger than a block', [1000, 1000], 128],
    ['chunks that straddle block boundaries', [130, 3, 250, 1, 200], 64],
  ])('cuts %s into full blocks and one short final block, bytes unchanged', async (_name, chunkSizes, blksize) => {
    const all = bytes(chunkSizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    const chunks = chunkSizes.map((n) => all.subarray(offset, (offset += n)));
    const blocks = await readAll(new BlockReader(() => Readable.from(chunks), blksize, 1 << 20));
    for (const b of blocks.slice(0, -1)) expect(b.byteLength).toBe(blksize);
    expect(blocks.at(-1)!.byteLength).toBeLessThan(blksize);
    expect(Buffer.concat(blocks).equals(all)).toBe(true);
  });

  it('ends a stream whose length is a multiple of blksize with an empty block', async () => {
    const blocks = await readAll(new BlockReader(() => Readable.from([bytes(256)]), 128, 1 << 20));
    expect(blocks.map((b) => b.byteLength)).toEqual([128, 128, 0]);
  });

  it('gives an empty file a single empty block without a stream', async () => {
    const blocks = await readAll(new BlockReader(null, 512, 1 << 20));
    expect(blocks.map((b) => b.byteLength)).toEqual([0]);
  });

  it('applies the chunk transform (netascii) before cutting blocks', async () => {
    const blocks = await readAll(new BlockReader(() => Readable.from([Buffer.from('a\nb\n')]), 4, 1 << 20, encodeNetascii));
    expect(blocks.map((b) => Buffer.from(b).toString('latin1'))).toEqual(['a\r\nb', '\r\n']);
  });

  it('stops pulling from the stream once highWaterBytes are buffered', async () => {
    let produced = 0;
    const stream = new Readable({
      highWaterMark: 1024,
      read() {
        produced += 1024;
        this.push(Buffer.alloc(1024));
      },
    });
    const reader = new BlockReader(() => stream, 512, 8192);
    await reader.next();
    await new Promise((r) => setTimeout(r, 50));
    // Buffered data plus the stream's own small buffer: nowhere near unbounded.
    expect(produced).toBeLessThan(8192 + 4 * 1024 + 1024);
    reader.close();
  });

  it('opens its stream only when the first block is wanted', async () => {
    let opened = 0;
    const reader = new BlockReader(() => {
      opened++;
      return Readable.from([bytes(100)]);
    }, 512, 8192);
    await new Promise((r) => setTimeout(r, 10));
    expect(opened).toBe(0);
    expect((await reader.next()).byteLength).toBe(100);
    expect(opened).toBe(1);
  });

  it('surfaces a stream error from next()', async () => {
    const stream = Readable.from((async function* () { yield Buffer.alloc(10); throw new Error('EIO at offset 10'); })());
    const reader = new BlockReader(() => stream, 512, 1 << 20);
    await expect(reader.next()).rejects.toThrow(/EIO at offset 10/);
  });
});
