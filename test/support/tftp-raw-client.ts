import { createSocket, type Socket } from 'node:dgram';
import { decodeTftpPacket, encodeTftpPacket, type TftpPacket } from '../../src-main/protocol/tftp/tftp-packet.ts';

export interface ReceivedPacket {
  readonly packet: TftpPacket;
  readonly port: number;
}

/**
 * A scripted TFTP peer for tests that must misbehave on purpose (duplicate ACKs, partial window
 * ACKs, aborts after OACK, silence). Packets queue up; `next()` waits for one.
 */
export class TftpRawClient {
  private readonly queue: ReceivedPacket[] = [];
  private waiter: ((p: ReceivedPacket | undefined) => void) | undefined;
  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      const item = { packet: decodeTftpPacket(msg), port: rinfo.port };
      const waiter = this.waiter;
      this.waiter = undefined;
      if (waiter) waiter(item);
      else this.queue.push(item);
    });
  }

  static async open(): Promise<TftpRawClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
    return new TftpRawClient(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(packet: TftpPacket, port: number): void {
    this.socket.send(encodeTftpPacket(packet), port, '127.0.0.1');
  }

  sendRaw(bytes: Uint8Array, port: number): void {
    this.socket.send(bytes, port, '127.0.0.1');
  }

  /** The next packet, or undefined when none arrives within `waitMs` (used to prove silence). */
  next(waitMs = 5000): Promise<ReceivedPacket | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, waitMs);
      this.waiter = (p) => {
        clearTimeout(timer);
        resolve(p);
      };
    });
  }

  /** Like next() but fails the test when nothing comes. */
  async expect(waitMs = 5000): Promise<ReceivedPacket> {
    const p = await this.next(waitMs);
    if (!p) throw new Error(`no TFTP packet within ${waitMs} ms`);
    return p;
  }

  close(): void {
    this.socket.close();
  }
}
