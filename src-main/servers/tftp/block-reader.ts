import type { Readable } from 'node:stream';

/**
 * Cuts one sequential read stream into TFTP blocks. The file is opened once per transfer and
 * read ahead in the stream's own chunk size (64 KiB for fs streams), never re-opened per block;
 * a block that lies inside one chunk is a zero-copy view of it. Reading pauses once
 * `highWaterBytes` are buffered, so a slow client holds at most that much memory.
 *
 * The last block is shorter than `blksize` — possibly empty, when the length is a multiple of
 * blksize (RFC 1350 §6: a block of fewer than blksize bytes ends the transfer).
 */
export class BlockReader {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended: boolean;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private finished = false;
  private stream: Readable | null = null;

  constructor(
    /** Called at the first block wanted, so a transfer nobody acknowledges never reads. */
    private openStream: (() => Readable) | null,
    private readonly blksize: number,
    private readonly highWaterBytes: number,
    /** Applied to each chunk as it arrives (netascii conversion). */
    private readonly transform?: (chunk: Uint8Array) => Uint8Array,
  ) {
    this.ended = openStream === null;
  }

  private open(): void {
    const open = this.openStream;
    this.openStream = null;
    if (!open || this.finished) return;
    const stream = open();
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => {
      const bytes = this.transform ? this.transform(chunk) : chunk;
      this.chunks.push(bytes);
      this.buffered += bytes.byteLength;
      if (this.buffered >= this.highWaterBytes) stream.pause();
      this.notify();
    });
    stream.once('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.once('error', (err) => {
      this.failure = err;
      this.notify();
    });
  }

  /** True once the short final block has been handed out. */
  get done(): boolean {
    return this.finished;
  }

  /** A block when one is ready now, without waiting; undefined when more data must arrive first. */
  tryNext(): Uint8Array | undefined {
    if (this.openStream) this.open();
    if (this.failure) throw this.failure;
    if (this.finished) throw new Error('BlockReader: the final block was already read');
    if (this.buffered < this.blksize && !this.ended) return undefined;
    return this.take(Math.min(this.blksize, this.buffered));
  }

  async next(): Promise<Uint8Array> {
    for (;;) {
      const block = this.tryNext();
      if (block) return block;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    this.openStream = null;
    this.stream?.destroy();
    this.notify();
  }

  private take(length: number): Uint8Array {
    if (length < this.blksize) this.finished = true;
    let block: Uint8Array;
    const first = this.chunks[0];
    if (length === 0) block = new Uint8Array(0);
    else if (first && first.byteLength >= length) {
      block = first.subarray(0, length);
      if (first.byteLength === length) this.chunks.shift();
      else this.chunks[0] = first.subarray(length);
    } else {
      block = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const chunk = this.chunks[0]!;
        const n = Math.min(chunk.byteLength, length - filled);
        block.set(chunk.subarray(0, n), filled);
        filled += n;
        if (n === chunk.byteLength) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(n);
      }
    }
    this.buffered -= length;
    if (this.stream && this.stream.isPaused() && this.buffered < this.highWaterBytes && !this.ended) this.stream.resume();
    return block;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
