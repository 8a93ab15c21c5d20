import type { Socket } from 'node:net';

/** The peer closed (or the socket failed) before a whole message arrived. */
export class ConnectionEndedError extends Error {
  override readonly name = 'ConnectionEndedError';
  constructor(
    /** Bytes of the awaited message that had arrived; 0 means the peer left between messages. */
    readonly received: number,
    readonly wanted: number,
    override readonly cause?: unknown,
  ) {
    super(
      received === 0
        ? `connection closed${cause ? ` (${String((cause as Error).message ?? cause)})` : ''}`
        : `connection closed ${received} bytes into a ${wanted}-byte message`,
    );
  }
}

interface Waiter {
  wanted: number;
  resolve(bytes: Uint8Array): void;
  reject(err: Error): void;
}

/**
 * Pull-style reads of exact byte counts from a socket. Backpressure: once `highWaterMark`
 * bytes sit unconsumed, the socket is paused, so TCP flow control pushes back on a client
 * that pipelines faster than the server lets requests in.
 */
export class SocketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended: ConnectionEndedError | null = null;
  private endCause: unknown;
  private waiter: Waiter | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly highWaterMark = 256 * 1024,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.serveWaiter();
      // A pending read larger than the high-water mark still needs the bytes: keep flowing for it.
      if (this.buffered >= this.highWaterMark && !this.waiter) socket.pause();
    });
    socket.on('error', (err) => {
      this.endCause ??= err;
    });
    socket.on('close', () => this.end());
    socket.on('end', () => this.end());
  }

  /** Exactly `n` bytes, or rejects with ConnectionEndedError. */
  read(n: number): Promise<Uint8Array> {
    if (this.waiter) throw new Error('SocketReader: one read at a time');
    if (this.buffered >= n) return Promise.resolve(this.take(n));
    if (this.ended) return Promise.reject(new ConnectionEndedError(this.buffered, n, this.endCause));
    return new Promise((resolve, reject) => {
      this.waiter = { wanted: n, resolve, reject };
      this.socket.resume();
    });
  }

  /** Drops `n` bytes (a refused WRITE's payload) without ever holding more than a chunk of them. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0) {
        try {
          await this.read(1);
        } catch (err) {
          throw err instanceof ConnectionEndedError ? new ConnectionEndedError(n - left, n, err.cause) : err;
        }
        left -= 1;
        continue;
      }
      const step = Math.min(left, this.buffered);
      this.take(step);
      left -= step;
    }
  }

  private take(n: number): Uint8Array {
    let out: Uint8Array;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0]!;
        const step = Math.min(chunk.length, n - filled);
        out.set(chunk.subarray(0, step), filled);
        filled += step;
        if (step === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(step);
      }
    }
    this.buffered -= n;
    if (this.buffered < this.highWaterMark && this.socket.isPaused() && !this.ended) this.socket.resume();
    return out;
  }

  private serveWaiter(): void {
    const w = this.waiter;
    if (!w || this.buffered < w.wanted) return;
    this.waiter = null;
    w.resolve(this.take(w.wanted));
  }

  private end(): void {
    if (this.ended) return;
    const w = this.waiter;
    this.ended = new ConnectionEndedError(this.buffered, w?.wanted ?? 0, this.endCause);
    if (w) {
      this.waiter = null;
      w.reject(new ConnectionEndedError(this.buffered, w.wanted, this.endCause));
    }
  }
}
