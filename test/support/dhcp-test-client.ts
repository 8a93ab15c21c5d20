import { createSocket, type Socket } from 'node:dgram';
import { DhcpCodecError } from '../../src-main/protocol/dhcp/dhcp-codec-error.ts';
import { BOOTREQUEST, BROADCAST_FLAG } from '../../src-main/protocol/dhcp/option-codes.ts';
import { chaddrOf, decodeDhcpPacket, emptyPacket, encodeDhcpPacket, type DhcpPacket } from '../../src-main/protocol/dhcp/packet.ts';
import { Opt, readOption, writeOption } from '../../src-main/protocol/dhcp/typed-options.ts';

/**
 * A minimal DHCP client for tests and the bench: one UDP socket, packets built with the codec,
 * replies matched by xid. It plays any client state (or a relay) by what it puts in the packet.
 */
export interface ClientPacketSpec {
  type: number;
  mac: string;
  xid: number;
  ciaddr?: string;
  giaddr?: string;
  broadcast?: boolean;
  requestedIp?: string;
  serverId?: string;
  vendorClass?: string;
  arch?: number;
  userClass?: string[];
  clientId?: Uint8Array;
  extra?: [number, Uint8Array][];
}

export function clientPacket(s: ClientPacketSpec): DhcpPacket {
  const p: DhcpPacket = {
    ...emptyPacket(BOOTREQUEST), xid: s.xid, chaddr: chaddrOf(s.mac), flags: s.broadcast === false ? 0 : BROADCAST_FLAG,
    ciaddr: s.ciaddr ?? '0.0.0.0', giaddr: s.giaddr ?? '0.0.0.0',
  };
  writeOption(p.options, Opt.messageType, s.type);
  if (s.requestedIp) writeOption(p.options, Opt.requestedIp, s.requestedIp);
  if (s.serverId) writeOption(p.options, Opt.serverId, s.serverId);
  if (s.vendorClass) writeOption(p.options, Opt.vendorClass, s.vendorClass);
  if (s.arch !== undefined) writeOption(p.options, Opt.clientArch, [s.arch]);
  if (s.userClass) writeOption(p.options, Opt.userClass, s.userClass);
  if (s.clientId) p.options.set(61, s.clientId);
  for (const [code, value] of s.extra ?? []) p.options.set(code, value);
  return p;
}

export class DhcpTestClient {
  private readonly waiters = new Set<{ match: (p: DhcpPacket) => boolean; resolve: (p: DhcpPacket) => void }>();
  readonly received: { packet: DhcpPacket; from: string; bytes: number }[] = [];
  /** When set, replies go here instead of being kept in `received` (the bench's 500-client bursts). */
  onReply: ((packet: DhcpPacket) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      let packet: DhcpPacket;
      try {
        packet = decodeDhcpPacket(new Uint8Array(msg));
      } catch (err) {
        if (err instanceof DhcpCodecError) return;
        throw err;
      }
      if (this.onReply) return this.onReply(packet);
      this.received.push({ packet, from: `${rinfo.address}:${rinfo.port}`, bytes: msg.length });
      for (const w of this.waiters) {
        if (w.match(packet)) {
          this.waiters.delete(w);
          w.resolve(packet);
        }
      }
    });
  }

  static open(address = '0.0.0.0', port = 0): Promise<DhcpTestClient> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: 'udp4', reuseAddr: true });
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.setBroadcast(true);
        socket.setRecvBufferSize(4 * 1024 * 1024);
        resolve(new DhcpTestClient(socket));
      });
    });
  }

  get port(): number {
    return this.socket.address().port;
  }

  sendRaw(bytes: Uint8Array, port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(bytes, port, address, (err) => (err ? reject(err) : resolve())));
  }

  send(packet: DhcpPacket, port: number, address: string): Promise<void> {
    return this.sendRaw(encodeDhcpPacket(packet), port, address);
  }

  /** Resolves with the first reply (already received or future) matching; rejects after `timeoutMs`. */
  waitFor(match: (p: DhcpPacket) => boolean, timeoutMs = 2000): Promise<DhcpPacket> {
    const seen = this.received.find((r) => match(r.packet));
    if (seen) return Promise.resolve(seen.packet);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (p: DhcpPacket) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching DHCP reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Replies for `xid` of `type`. */
  static reply(xid: number, type: number): (p: DhcpPacket) => boolean {
    return (p) => p.xid === xid && readOption(p.options, Opt.messageType) === type;
  }

  close(): void {
    this.socket.close();
  }
}
