/**
 * Full mode's watch for another DHCP server on the chosen network: listens on the client port
 * for foreign OFFER/ACK broadcasts (`passive`) and, every `probeIntervalMs`, sends a DISCOVER of
 * its own, since a server that unicasts its answers is invisible otherwise. Each foreign server
 * is reported at most once a minute.
 */
import type { RemoteInfo } from 'node:dgram';
import { inSubnet } from '../../protocol/dhcp/ipv4-address.ts';
import { answerFrom, probeDiscover, randomLocalMac } from './dhcp-probe.ts';
import { DhcpSocketPair } from './dhcp-socket-pair.ts';
import type { DhcpServerEvents } from './dhcp-events.ts';

export type Conflict = DhcpServerEvents['conflict'];

export interface ConflictWatchOptions {
  serverAddress: string;
  prefixLength: number;
  listenAddress: string;
  /** Where DHCP clients listen (68): foreign answers arrive there. */
  clientPort: number;
  /** Where the probe goes: our own server port (read when sending, since it may be bound to 0). */
  serverPort: () => number;
  broadcastAddress: string;
  passive: boolean;
  /** 0 = never probe. */
  probeIntervalMs: number;
  now: () => number;
  onConflict: (conflict: Conflict) => void;
  onWarning: (message: string) => void;
}

export class ConflictWatch {
  /** The probe's client MAC, so the server can ignore its own DISCOVER looped back. */
  readonly probeMac = randomLocalMac();
  private socket: DhcpSocketPair | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly probeXids = new Set<number>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly o: ConflictWatchOptions) {}

  get port(): number | null {
    return this.socket?.port ?? null;
  }

  async start(): Promise<void> {
    const { passive, probeIntervalMs } = this.o;
    if (!passive && probeIntervalMs <= 0) return;
    // Answers to the probe come back as broadcasts, so the wildcard socket is needed either way;
    // without `passive` only answers to our own probes count.
    this.socket = new DhcpSocketPair({
      address: this.o.serverAddress,
      listenAddress: this.o.listenAddress,
      port: this.o.clientPort,
      service: 'DHCP conflict watch',
      onMessage: (data, from) => this.onPacket(data, from),
      onError: (err) => this.o.onWarning(`DHCP conflict watch: ${err.message}`),
    });
    try {
      await this.socket.bind();
    } catch (err) {
      this.socket = null;
      this.o.onWarning(`cannot watch for other DHCP servers (${(err as Error).message}); a second DHCP server on this network would go unnoticed`);
      return;
    }
    if (probeIntervalMs > 0) {
      this.timer = setInterval(() => this.probe(), probeIntervalMs);
      this.timer.unref();
      this.probe();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
  }

  /** A conflict seen some other way (a client REQUEST naming another server). */
  report(serverId: string, address: string, offeredAddress: string, via: Conflict['via']): void {
    const last = this.seen.get(serverId);
    const now = this.o.now();
    if (last !== undefined && now - last < 60_000) return;
    this.seen.set(serverId, now);
    this.o.onConflict({
      serverId, address, offeredAddress, via,
      message: `another DHCP server (${serverId}) is handing out addresses on this network while Bootcast runs in full mode: clients may get its answer and no boot information. Stop one of them or switch Bootcast to proxy mode.`,
    });
  }

  private probe(): void {
    const xid = (Math.random() * 0xffffffff) >>> 0;
    this.probeXids.add(xid);
    if (this.probeXids.size > 16) this.probeXids.delete(this.probeXids.values().next().value!);
    this.socket?.send(probeDiscover(xid, this.probeMac, {}), this.o.serverPort(), this.o.broadcastAddress).catch((err: Error) => {
      this.o.onWarning(`DHCP conflict probe could not be sent: ${err.message}`);
    });
  }

  private onPacket(data: Uint8Array, from: RemoteInfo): void {
    const { serverAddress, prefixLength } = this.o;
    if (from.address === serverAddress) return;
    const answer = answerFrom(data, from, null);
    if (!answer || answer.serverId === serverAddress) return;
    const xid = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4);
    const ours = this.probeXids.has(xid);
    if (!ours && !this.o.passive) return;
    const onThisNetwork = ours || inSubnet(from.address, serverAddress, prefixLength) || inSubnet(answer.offeredAddress, serverAddress, prefixLength);
    if (!onThisNetwork || answer.offeredAddress === '0.0.0.0') return; // a proxyDHCP server gives no addresses: no conflict
    this.report(answer.serverId, from.address, answer.offeredAddress, ours ? 'probe' : 'passive');
  }
}
