// Sending a file's bytes as an HTTP response body through pooled buffers (pumpBody).
import type { ServerResponse } from 'node:http';
import type { BufferPool } from '../buffer-pool.ts';
import type { FileReader } from '../file-source.ts';

export interface PumpOptions {
  /** First and last (inclusive) byte of the file to send. */
  readonly start: number;
  readonly end: number;
  readonly chunkBytes: number;
  /** Buffers one response may hold at once: those being read plus those the socket still has. */
  readonly depth: number;
  readonly pool: BufferPool;
  /** After each chunk handed to the response, with the bytes handed so far. */
  readonly onBytes: (bytes: number) => void;
}

/** How a body ended: all of it flushed, the file failed or ended early, or the client went away. */
export type PumpEnd = { outcome: 'complete'; bytes: number } | { outcome: 'source'; bytes: number; err: Error } | { outcome: 'client'; bytes: number; err?: Error };

interface Slot {
  readonly buf: Buffer;
  readonly len: number;
  n?: number;
  err?: unknown;
}

/**
 * Sends bytes [start, end] of a file as a response body through a few pooled buffers. A buffer
 * goes back to the pool when the socket has taken its bytes (the write callback), so a download
 * allocates nothing per chunk — a fresh 1 MiB Buffer per chunk kept V8's collector marking the
 * heap ~20 times a second, a third of the CPU at 32 clients — and a response holds at most
 * `depth` buffers whatever its client does. While the socket sends one chunk the next is being
 * read. Chunks go out in file order even when reads finish out of order.
 */
export function pumpBody(reader: FileReader, res: ServerResponse, o: PumpOptions, onEnd: (end: PumpEnd) => void): void {
  const total = o.end - o.start + 1;
  const queue: Slot[] = [];
  let next = o.start; // file offset of the next read
  let sent = 0; // bytes handed to the response
  let held = 0; // buffers out of the pool
  let reading = 0;
  let ended = false;
  let closed = false;

  const release = (buf: Buffer) => {
    held--;
    o.pool.release(buf);
  };
  const finish = (end: PumpEnd) => {
    if (ended) return;
    ended = true;
    if (end.outcome === 'source') res.destroy(end.err);
    closeWhenIdle();
    onEnd(end);
  };
  // A read still in flight writes into its buffer and holds the file open: both wait for it.
  const closeWhenIdle = () => {
    if (!ended || reading > 0 || closed) return;
    closed = true;
    reader.close().catch(() => {});
  };

  const fill = () => {
    while (!ended && next <= o.end && held < o.depth) {
      const len = Math.min(o.chunkBytes, o.end - next + 1);
      const slot: Slot = { buf: o.pool.acquire(len), len };
      held++;
      reading++;
      queue.push(slot);
      const settle = () => {
        reading--;
        drain();
        closeWhenIdle();
      };
      readInto(reader, slot.buf.subarray(0, len), next)
        .then(
          (n) => ((slot.n = n), settle()),
          (err: unknown) => ((slot.err = err ?? new Error('read failed')), settle()),
        )
        // A bug past this point must cost this response, never the process (an unhandled rejection).
        .catch((err: unknown) => {
          res.destroy(asError(err));
          finish({ outcome: 'source', bytes: sent, err: asError(err) });
        });
      next += len;
    }
  };

  const drain = () => {
    while (queue[0] && (queue[0].n !== undefined || queue[0].err !== undefined)) {
      const slot = queue.shift()!;
      if (ended) {
        release(slot.buf);
        continue;
      }
      if (slot.err !== undefined || slot.n! < slot.len) {
        release(slot.buf);
        const err = slot.err !== undefined ? asError(slot.err) : new Error(`the file ended after ${sent + slot.n!} of ${total} bytes (changed while being served?)`);
        finish({ outcome: 'source', bytes: sent, err });
        continue;
      }
      sent += slot.len;
      res.write(slot.buf.subarray(0, slot.len), (err) => {
        release(slot.buf);
        if (err) finish({ outcome: 'client', bytes: sent, err });
        else fill();
      });
      o.onBytes(sent);
      if (sent === total) res.end();
    }
  };

  res.once('finish', () => finish(sent === total ? { outcome: 'complete', bytes: sent } : { outcome: 'client', bytes: sent }));
  res.once('close', () => finish({ outcome: 'client', bytes: sent }));
  // A socket error reaches the response as 'error' on some paths: it means the client is gone.
  res.on('error', () => finish({ outcome: 'client', bytes: sent }));
  // The client may have left while the file was being opened: then 'close' has already fired.
  if (res.destroyed) finish({ outcome: 'client', bytes: 0 });
  else fill();
}

function readInto(reader: FileReader, target: Uint8Array, position: number): Promise<number> {
  try {
    return reader.read(target, position);
  } catch (err) {
    return Promise.reject(err);
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
