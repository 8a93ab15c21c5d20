import { connect, type Socket } from 'node:net';
import {
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_OPTION_REPLY_HEADER_SIZE,
  NBD_SERVER_GREETING_SIZE,
  NBD_SIMPLE_REPLY_SIZE,
  NbdInfo,
  NbdOpt,
  NbdRep,
  decodeInfo,
  decodeOptionReplyHeader,
  decodeServerGreeting,
  decodeSimpleReply,
  encodeClientFlags,
  encodeInfoRequest,
  encodeOption,
  encodeRequest,
  type NbdInfoItem,
  type NbdOptionReplyHeader,
  type NbdRequest,
} from '../../src-main/protocol/nbd/index.ts';
import { SocketReader } from '../../src-main/servers/nbd/socket-reader.ts';

/**
 * A hand-driven NBD client for the things real clients refuse to do (send writes to a read-only
 * export, garbage, truncated requests) and for observing reply order. Uses the codec's client-side
 * encoders; every byte it sends is explicit in the test.
 */
export class RawNbdClient {
  readonly reader: SocketReader;
  private closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.reader = new SocketReader(socket);
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number): Promise<RawNbdClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawNbdClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Greeting and client flags: leaves the connection in option haggling. */
  static async negotiating(port: number, clientFlags = NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES): Promise<RawNbdClient> {
    const client = await RawNbdClient.connect(port);
    decodeServerGreeting(await client.reader.read(NBD_SERVER_GREETING_SIZE));
    client.send(encodeClientFlags(clientFlags));
    return client;
  }

  /** Negotiated with NBD_OPT_GO: ready for requests. */
  static async attached(port: number, name: string): Promise<{ client: RawNbdClient; size: number; transmissionFlags: number }> {
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name, requests: [NbdInfo.BLOCK_SIZE] })));
    const replies = await client.optionReplies();
    const last = replies.at(-1)!;
    if (last.header.type !== NbdRep.ACK) throw new Error(`GO ${name} refused with reply type 0x${last.header.type.toString(16)}`);
    const exp = replies.map((r) => r.info).find((i) => i?.type === 'export');
    if (exp?.type !== 'export') throw new Error('GO reply without NBD_INFO_EXPORT');
    return { client, size: exp.size, transmissionFlags: exp.transmissionFlags };
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  async optionReply(): Promise<{ header: NbdOptionReplyHeader; data: Uint8Array; info: NbdInfoItem | null }> {
    const header = decodeOptionReplyHeader(await this.reader.read(NBD_OPTION_REPLY_HEADER_SIZE));
    const data = header.length ? await this.reader.read(header.length) : new Uint8Array(0);
    return { header, data, info: header.type === NbdRep.INFO ? decodeInfo(data) : null };
  }

  /** Replies up to and including the first that is not NBD_REP_INFO / NBD_REP_SERVER. */
  async optionReplies(): Promise<Array<{ header: NbdOptionReplyHeader; data: Uint8Array; info: NbdInfoItem | null }>> {
    const out = [];
    for (;;) {
      const r = await this.optionReply();
      out.push(r);
      if (r.header.type !== NbdRep.INFO && r.header.type !== NbdRep.SERVER) return out;
    }
  }

  request(req: Partial<NbdRequest> & Pick<NbdRequest, 'type'>): void {
    this.send(encodeRequest({ flags: 0, cookie: 0n, offset: 0n, length: 0, ...req }));
  }

  /** One simple reply; `readLength(cookie)` says how many data bytes follow a successful READ. */
  async reply(readLength: (cookie: bigint) => number = () => 0): Promise<{ error: number; cookie: bigint; data: Uint8Array }> {
    const r = decodeSimpleReply(await this.reader.read(NBD_SIMPLE_REPLY_SIZE));
    const n = r.error === 0 ? readLength(r.cookie) : 0;
    return { ...r, data: n ? Uint8Array.from(await this.reader.read(n)) : new Uint8Array(0) };
  }

  /** Resolves when the server has closed the connection. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
