import {
  NBD_MAX_PAYLOAD,
  NBD_REQUEST_SIZE,
  NBD_SIMPLE_REPLY_SIZE,
  NbdCmd,
  NbdErrno,
  decodeRequest,
  encodeSimpleReply,
  encodeSimpleReplyInto,
  type NbdRequest,
} from '../../protocol/nbd/index.ts';
import type { BufferPool } from '../buffer-pool.ts';
import type { ByteBudget } from './byte-budget.ts';
import type { NbdExport } from './export-provider.ts';
import type { SocketReader } from './socket-reader.ts';

export interface TransmissionLimits {
  /** Requests read from the socket but not yet fully handed to the kernel. */
  maxInflightRequests: number;
  /** READ payload bytes held by those requests. One request larger than this still runs alone. */
  maxInflightBytes: number;
}

export interface TransmissionIo {
  reader: SocketReader;
  /** Writes header and data back to back; `done` runs once the kernel has taken them (or the socket died). */
  reply(header: Uint8Array, data: Uint8Array | null, done: () => void): void;
  /** False once the socket is gone: replies are then dropped. */
  writable(): boolean;
}

export interface TransmissionStats {
  bytesRead: number;
  requests: number;
}

/**
 * Serves NBD requests until NBD_CMD_DISC (returns normally) or until the client leaves or breaks
 * framing (throws ConnectionEndedError / NbdProtocolError). READs run concurrently and are
 * answered as each completes — replies may overtake each other, the cookie says which is which.
 * Before returning or throwing it waits for outstanding READs so the export can be closed safely.
 */
export class TransmissionSession {
  readonly stats: TransmissionStats = { bytesRead: 0, requests: 0 };
  private inflightRequests = 0;
  private inflightBytes = 0;
  private wake: (() => void) | null = null;
  private readonly size: bigint;

  constructor(
    private readonly io: TransmissionIo,
    private readonly exp: NbdExport,
    private readonly limits: TransmissionLimits,
    private readonly pool: BufferPool,
    /** Shared by every connection of the server. */
    private readonly budget?: ByteBudget,
  ) {
    this.size = BigInt(exp.size);
  }

  async run(): Promise<void> {
    try {
      for (;;) {
        const req = decodeRequest(await this.io.reader.read(NBD_REQUEST_SIZE));
        this.stats.requests++;
        if (req.type === NbdCmd.DISC) return;
        await this.handle(req);
      }
    } finally {
      await this.drained();
    }
  }

  private async handle(req: NbdRequest): Promise<void> {
    switch (req.type) {
      case NbdCmd.READ: {
        if (req.length > NBD_MAX_PAYLOAD || req.offset + BigInt(req.length) > this.size) {
          return this.replyError(req, NbdErrno.EINVAL);
        }
        await this.admit(req.length);
        this.startRead(req);
        return;
      }
      case NbdCmd.WRITE:
        // The payload follows the header whatever we answer: consume it or the next header is misread.
        await this.io.reader.skip(req.length);
        return this.replyError(req, NbdErrno.EPERM);
      case NbdCmd.TRIM:
      case NbdCmd.WRITE_ZEROES:
        // proto.md: on a read-only export the server MUST answer write-like commands with EPERM.
        return this.replyError(req, NbdErrno.EPERM);
      case NbdCmd.FLUSH:
        // Nothing is ever written, so nothing needs flushing; all earlier writes "completed" trivially.
        return this.replyError(req, NbdErrno.OK);
      default:
        // CACHE, BLOCK_STATUS, RESIZE were not advertised / negotiated; unknown types likewise.
        return this.replyError(req, NbdErrno.EINVAL);
    }
  }

  private replyError(req: NbdRequest, error: number): Promise<void> {
    return this.admit(0).then(() => {
      this.inflightRequests++;
      this.send(req, error, null, 0);
    });
  }

  /** Waits until one more request of `bytes` fits within the limits. */
  private async admit(bytes: number): Promise<void> {
    while (
      this.inflightRequests >= this.limits.maxInflightRequests ||
      (this.inflightBytes > 0 && this.inflightBytes + bytes > this.limits.maxInflightBytes) ||
      (bytes > 0 && this.budget && !this.budget.fits(bytes))
    ) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.budget?.onRelease(resolve);
      });
    }
    // Reserved here, in the same tick as the check: another connection's admit cannot slip in between.
    if (bytes > 0) this.budget?.take(bytes);
  }

  private startRead(req: NbdRequest): void {
    const length = req.length;
    this.inflightRequests++;
    this.inflightBytes += length;
    const offset = Number(req.offset);
    if (this.exp.readInto && length > 0) return this.startPooledRead(req, offset, this.exp.readInto.bind(this.exp));
    let pending: Promise<Uint8Array>;
    try {
      pending = length === 0 ? Promise.resolve(new Uint8Array(0)) : this.exp.read(offset, length);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (data) => {
        if (data.byteLength !== length) this.send(req, NbdErrno.EIO, null, length);
        else {
          this.stats.bytesRead += length;
          this.send(req, NbdErrno.OK, data, length);
        }
      },
      () => this.send(req, NbdErrno.EIO, null, length),
    );
  }

  /** Header and data in one pooled buffer: one write per reply, no per-request allocation. */
  private startPooledRead(req: NbdRequest, offset: number, readInto: (target: Uint8Array, offset: number) => Promise<void>): void {
    const length = req.length;
    const buf = this.pool.acquire(NBD_SIMPLE_REPLY_SIZE + length);
    let pending: Promise<void>;
    try {
      pending = readInto(buf.subarray(NBD_SIMPLE_REPLY_SIZE, NBD_SIMPLE_REPLY_SIZE + length), offset);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      () => {
        this.stats.bytesRead += length;
        encodeSimpleReplyInto(buf, { error: NbdErrno.OK, cookie: req.cookie });
        const release = this.releaser(length, () => this.pool.release(buf));
        if (!this.io.writable()) return release();
        this.io.reply(buf.subarray(0, NBD_SIMPLE_REPLY_SIZE + length), null, release);
      },
      () => {
        this.pool.release(buf);
        this.send(req, NbdErrno.EIO, null, length);
      },
    );
  }

  private releaser(heldBytes: number, then?: () => void): () => void {
    return () => {
      then?.();
      this.inflightRequests--;
      this.inflightBytes -= heldBytes;
      if (heldBytes > 0) this.budget?.give(heldBytes);
      const wake = this.wake;
      this.wake = null;
      wake?.();
    };
  }

  private send(req: NbdRequest, error: number, data: Uint8Array | null, heldBytes: number): void {
    const release = this.releaser(heldBytes);
    if (!this.io.writable()) return release();
    this.io.reply(encodeSimpleReply({ error, cookie: req.cookie }), data, release);
  }

  private async drained(): Promise<void> {
    while (this.inflightRequests > 0) await new Promise<void>((resolve) => (this.wake = resolve));
  }
}
