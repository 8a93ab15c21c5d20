import type { Socket } from 'node:dgram';
import { decodeTftpPacket, encodeTftpPacket, TFTP_ERROR, TFTP_OPCODE, type TftpOption } from '../../protocol/tftp/tftp-packet.ts';
import type { BlockReader } from './block-reader.ts';
import type { TftpOutcome } from './tftp-events.ts';

export interface TftpClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReadTransferOptions {
  /**
   * Bound to an ephemeral port (our TID) and connect()ed to the client's address and port: the
   * kernel then delivers only the client's packets (RFC 1350 §4 says a stranger's packets are
   * discarded; the ERROR 5 it suggests sending them is forgone), sends skip the per-packet
   * address handling (~1 µs of Node's ~4 µs per packet), and a client whose port has closed shows
   * up at once as ECONNREFUSED instead of after every retry.
   */
  readonly socket: Socket;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly reader: BlockReader;
  readonly blksize: number;
  readonly windowsize: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Retransmissions allowed while the client has acknowledged nothing yet (default: maxRetries). */
  readonly retriesBeforeFirstAck?: number;
  /** Options to acknowledge in an OACK; empty means none is sent and DATA 1 goes first. */
  readonly oack: readonly TftpOption[];
  readonly clock: TftpClock;
  readonly onProgress: (ackedBytes: number) => void;
  readonly onMalformed: (length: number, reason: string) => void;
  readonly onDone: (outcome: TftpOutcome, detail?: string) => void;
}

/**
 * One read transfer on its own socket (RFC 1350 TID): OACK handshake, then DATA in windows
 * of `windowsize` blocks (RFC 7440; windowsize 1 is plain lock-step RFC 1350).
 *
 * Blocks are numbered by an absolute index internally; the wire carries index mod 65536, so a
 * transfer of more than 65535 blocks rolls over to 0 (what tftp-hpa, atftp, curl and iPXE expect).
 *
 * Retransmission rules (RFC 1123 §4.2.3.1, the Sorcerer's Apprentice): only a timeout
 * retransmits. A duplicate ACK — one that acknowledges nothing new — is ignored, so duplicated
 * or delayed ACKs can never multiply DATA packets. An ACK that acknowledges part of the window
 * (RFC 7440 §4: the client saw a gap and acknowledged the last block it got in order) moves the
 * window to start just after it and sends from there at once.
 */
export class TftpReadTransfer {
  private phase: 'oack' | 'data' | 'done';
  /** Absolute index of the first unacknowledged block. Blocks count from 1. */
  private base = 1;
  /**
   * DATA packets (header included) for blocks base, base+1, … read but not yet acknowledged.
   * Whole packets, so a send is one buffer: Node's scatter-gather send costs more than copying.
   */
  private readonly window: Buffer[] = [];
  private nextToSend = 1;
  private highestSent = 0;
  /** Absolute index of the final (short) block, once read. */
  private lastBlock: number | undefined;
  private loading = false;
  private retries = 0;
  private timer: unknown;
  private lastSendAt = 0;
  private ackedAny = false;
  ackedBytes = 0;
  retransmits = 0;
  /** Requests seen for this transfer (1 + retransmitted RRQs). */
  requestsSeen = 1;

  constructor(private readonly o: ReadTransferOptions) {
    this.phase = o.oack.length > 0 ? 'oack' : 'data';
    o.socket.on('message', (msg) => {
      try {
        this.onMessage(msg);
      } catch (err) {
        // A bug handling one packet ends this transfer, never the process.
        this.finish('failed', `internal error: ${(err as Error).message}`);
      }
    });
    o.socket.on('error', (err: NodeJS.ErrnoException) => {
      // ICMP port unreachable on the connected socket: the client closed its port and is gone.
      if (err.code === 'ECONNREFUSED') this.finish('abandoned', 'the client closed its port (ICMP port unreachable)');
      else this.finish('failed', `socket error: ${err.message}`);
    });
  }

  get finished(): boolean {
    return this.phase === 'done';
  }

  /** True once the client has acknowledged anything (the OACK or a block). */
  get progressed(): boolean {
    return this.ackedAny;
  }

  start(): void {
    if (this.phase === 'oack') this.sendOack(false);
    else this.pump();
  }

  /**
   * The client repeated its request from the same port. Nothing is sent in reply: if our answer
   * was lost, the retransmission timer resends it; answering each copy at once would, when the
   * network merely duplicated the request, hand the client two OACKs — and atftp 0.8, for one,
   * aborts on an "unexpected OACK".
   */
  onRepeatedRequest(): void {
    this.requestsSeen++;
  }

  stop(outcome: TftpOutcome, detail: string): void {
    this.finish(outcome, detail);
  }

  private onMessage(msg: Buffer): void {
    if (this.phase === 'done') return;
    let packet;
    try {
      packet = decodeTftpPacket(msg);
    } catch (err) {
      this.o.onMalformed(msg.byteLength, (err as Error).message);
      return;
    }
    if (packet.op === 'ACK') this.onAck(packet.block);
    else if (packet.op === 'ERROR') {
      const detail = `client sent ERROR ${packet.code}${packet.message ? ` "${packet.message}"` : ''}`;
      this.finish(this.phase === 'oack' ? 'options-probe' : 'client-error', detail);
    } else {
      this.o.onMalformed(msg.byteLength, `unexpected ${packet.op} on a read transfer`);
    }
  }

  private onAck(wire: number): void {
    if (this.phase === 'oack') {
      // RFC 2347: the OACK is acknowledged with ACK 0; any other block number is stale.
      if (wire !== 0) return;
      this.ackedAny = true;
      this.phase = 'data';
      this.retries = 0;
      this.pump();
      return;
    }
    // The only meaningful ACKs acknowledge a block in [base-1, highestSent]; map the 16-bit
    // number into that range (it spans at most windowsize+1 ≤ 65536 values, so it is unique).
    const floor = this.base - 1;
    const k = floor + ((wire - (floor & 0xffff)) & 0xffff);
    if (k > this.highestSent) return; // acknowledges a block never sent: stale or bogus
    if (k === floor) return; // duplicate: nothing new; only the timer may retransmit
    this.ackedAny = true;
    for (let i = this.base; i <= k; i++) this.ackedBytes += this.window.shift()!.byteLength - 4;
    this.base = k + 1;
    if (this.retries > 0 && this.timer !== undefined) {
      // The pending timer was armed with a backed-off timeout; progress restores the base one.
      this.o.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.retries = 0;
    this.o.onProgress(this.ackedBytes);
    if (this.lastBlock !== undefined && k >= this.lastBlock) {
      this.finish('complete');
      return;
    }
    // A partial ACK (k short of the last block sent): blocks after k were lost or reordered;
    // the window restarts at k+1 at once. Otherwise carry on after what was already sent.
    this.nextToSend = k < this.highestSent ? k + 1 : Math.max(this.nextToSend, k + 1);
    this.pump();
  }

  /** Sends every block of the current window not yet sent since the last (re)start point, reading ahead as needed. */
  private pump(): void {
    if (this.phase !== 'data') return;
    const windowEnd = Math.min(this.base + this.o.windowsize - 1, this.lastBlock ?? Infinity);
    while (this.nextToSend <= windowEnd) {
      const block = this.window[this.nextToSend - this.base];
      if (!block) {
        this.readAhead();
        return;
      }
      if (this.nextToSend <= this.highestSent) this.retransmits++;
      this.sendData(block);
      if (this.nextToSend > this.highestSent) this.highestSent = this.nextToSend;
      this.nextToSend++;
    }
    this.armTimer();
    // Keep the next window read while the client acknowledges this one.
    this.readAhead();
  }

  private readAhead(): void {
    if (this.loading || this.lastBlock !== undefined) return;
    const want = 2 * this.o.windowsize;
    // Synchronous fast path: blocks already buffered by the stream need no promise round-trip.
    try {
      while (this.window.length < want && this.lastBlock === undefined) {
        const block = this.o.reader.tryNext();
        if (!block) break;
        this.addBlock(block);
      }
    } catch (err) {
      this.finish('failed', `could not read the file: ${(err as Error).message}`);
      return;
    }
    if (this.window.length >= want || this.lastBlock !== undefined) {
      this.pumpIfWaiting();
      return;
    }
    this.loading = true;
    this.o.reader.next().then(
      (block) => {
        this.loading = false;
        if (this.phase === 'done') return;
        this.addBlock(block);
        this.pumpIfWaiting();
        this.readAhead();
      },
      (err: Error) => {
        this.loading = false;
        this.finish('failed', `could not read the file: ${err.message}`);
      },
    );
  }

  private addBlock(data: Uint8Array): void {
    const index = this.base + this.window.length;
    const packet = Buffer.allocUnsafe(4 + data.byteLength);
    packet.writeUInt16BE(TFTP_OPCODE.DATA, 0);
    packet.writeUInt16BE(index & 0xffff, 2); // the wire carries the block number mod 65536
    packet.set(data, 4);
    this.window.push(packet);
    if (data.byteLength < this.o.blksize) this.lastBlock = index;
  }

  /** pump() only when a send is waiting for a block that has now arrived (no re-entrancy otherwise). */
  private pumpIfWaiting(): void {
    if (this.phase !== 'data') return;
    const windowEnd = Math.min(this.base + this.o.windowsize - 1, this.lastBlock ?? Infinity);
    if (this.nextToSend <= windowEnd && this.window[this.nextToSend - this.base]) this.pump();
  }

  private sendOack(isRetransmit: boolean): void {
    if (isRetransmit) this.retransmits++;
    this.sendPacket(encodeTftpPacket({ op: 'OACK', options: this.o.oack }));
    this.armTimer();
  }

  private sendData(packet: Buffer): void {
    // No per-packet callback: a send error surfaces as the socket's 'error' event, which ends the transfer.
    this.o.socket.send(packet);
    this.lastSendAt = this.o.clock.now();
  }

  private sendPacket(packet: Uint8Array): void {
    try {
      this.o.socket.send(packet);
    } catch {
      /* socket already closed: nothing left to tell the client */
    }
    this.lastSendAt = this.o.clock.now();
  }

  /** One timer per transfer, re-checked on expiry instead of re-armed per packet (cheap at 30k packets/s). */
  private armTimer(): void {
    if (this.timer !== undefined || this.phase === 'done') return;
    this.timer = this.o.clock.setTimeout(() => this.onTimer(), this.currentTimeoutMs());
  }

  /**
   * Exponential backoff over consecutive timeouts (RFC 1123 §4.2.3.2), capped at 8× the base:
   * a client that lost its own ACK may only speak again when its timer (often seconds) fires,
   * and giving up before that would turn a recoverable loss into a failed boot.
   */
  private currentTimeoutMs(): number {
    return this.o.timeoutMs * 2 ** Math.min(this.retries, 3);
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.phase === 'done') return;
    const idle = this.o.clock.now() - this.lastSendAt;
    const timeout = this.currentTimeoutMs();
    if (idle < timeout) {
      this.timer = this.o.clock.setTimeout(() => this.onTimer(), timeout - idle);
      return;
    }
    // A client that never acknowledged anything is likely gone or a forged source address: few
    // retransmissions keep one spoofed RRQ from becoming a flood towards its victim.
    const allowed = this.ackedAny ? this.o.maxRetries : Math.min(this.o.maxRetries, this.o.retriesBeforeFirstAck ?? this.o.maxRetries);
    if (++this.retries > allowed) {
      const onlyFinal = this.lastBlock !== undefined && this.base === this.lastBlock;
      const detail =
        `no acknowledgement after ${allowed} retransmissions (timeout ${this.o.timeoutMs} ms, doubling up to ${this.o.timeoutMs * 8} ms)` +
        (onlyFinal ? '; only the final block was unacknowledged, so the client may well have the whole file (its last ACK was lost)' : '');
      this.sendPacket(encodeTftpPacket({ op: 'ERROR', code: TFTP_ERROR.NOT_DEFINED, message: 'Timed out' }));
      this.finish(this.ackedAny ? 'timed-out' : 'abandoned', detail);
      return;
    }
    if (this.phase === 'oack') {
      this.sendOack(true);
      return;
    }
    this.nextToSend = this.base;
    this.pump();
    this.armTimer();
  }

  private finish(outcome: TftpOutcome, detail?: string): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (outcome === 'failed' || outcome === 'stopped') {
      const message = outcome === 'stopped' ? 'Server shutting down' : 'Server could not read the file';
      this.sendPacket(encodeTftpPacket({ op: 'ERROR', code: TFTP_ERROR.NOT_DEFINED, message }));
    }
    this.o.reader.close();
    // Close after pending sends (the final ERROR) have been handed to the kernel.
    setImmediate(() => {
      try {
        this.o.socket.close();
      } catch {
        /* already closed */
      }
    });
    this.o.onDone(outcome, detail);
  }
}
