import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { describeBindError } from '../net/bind-error.ts';
import { decodeDnsHeader, readFirstQuestion, withDnsId } from '../protocol/dns/dns-message.ts';
import { Emitter } from '../shared/emitter.ts';

export interface DnsUpstream {
  address: string;
  port?: number;
}

export interface DnsForwarderOptions {
  /** Where clients send queries: the PXE interface's address. */
  readonly address: string;
  readonly port?: number;
  /** Resolvers to relay to, in order of preference (e.g. the host's stub 127.0.0.53). */
  readonly upstreams: readonly (DnsUpstream | string)[];
  /** A query unanswered this long moves to the next upstream, then is forgotten. Default 3000 ms. */
  readonly timeoutMs?: number;
  /** Queries in flight at most; more are dropped (the client retries). Default 1024. */
  readonly maxPending?: number;
  /** TCP connections relayed at once (clients retry over TCP after a truncated answer). Default 64. */
  readonly maxTcpConnections?: number;
  /** An idle TCP relay is closed after this long (RFC 7766 §6.2.3 suggests seconds). Default 10 000 ms. */
  readonly tcpIdleMs?: number;
}

export interface DnsForwarderStats {
  queries: number;
  answered: number;
  /** Not a parseable standard query (or response): dropped. */
  malformed: number;
  /** Dropped because `maxPending` queries were in flight. */
  overloaded: number;
  timedOut: number;
  /** Responses whose source, ID or question matched no pending query. */
  unmatched: number;
  tcpConnections: number;
  /** TCP connections refused because `maxTcpConnections` were open. */
  tcpRefused: number;
}

export interface DnsForwarderEvents {
  /** One line per notable drop, for the log (not per answered query). */
  dropped: { reason: 'malformed' | 'overloaded' | 'unmatched' | 'timeout'; from: string; detail: string };
  error: Error;
}

interface Pending {
  clientAddress: string;
  clientPort: number;
  clientId: number;
  /** name/type/class of the question, to reject answers to a different question. */
  key: string;
  query: Uint8Array;
  upstream: number;
  deadline: number;
}

const HOST_PORT = /^(.*?)(?::(\d+))?$/;

function parseUpstream(u: DnsUpstream | string): Required<DnsUpstream> {
  if (typeof u !== 'string') return { address: u.address, port: u.port ?? 53 };
  const m = HOST_PORT.exec(u)!;
  return { address: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

function questionKey(bytes: Uint8Array): string {
  const q = readFirstQuestion(bytes);
  return `${q.name}/${q.type}/${q.class}`;
}

/**
 * A UDP DNS relay on the PXE interface, for hosts whose only resolver is a local stub
 * (systemd-resolved's 127.0.0.53, dnsmasq on 127.0.0.1) that LAN clients cannot reach. Each
 * query gets a fresh random ID towards the upstream; an answer is passed back only if it comes
 * from an upstream, carries a pending ID and answers the same question.
 */
export class DnsForwarder {
  readonly events = new Emitter<DnsForwarderEvents>();
  private client: Socket | undefined;
  private upstreamSocket: Socket | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly upstreams: Required<DnsUpstream>[];
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly port0: number;
  private readonly counters: DnsForwarderStats = { queries: 0, answered: 0, malformed: 0, overloaded: 0, timedOut: 0, unmatched: 0, tcpConnections: 0, tcpRefused: 0 };
  private tcp: Server | undefined;
  private readonly tcpSockets = new Set<TcpSocket>();

  constructor(private readonly options: DnsForwarderOptions) {
    this.upstreams = options.upstreams.map(parseUpstream);
    this.port0 = options.port ?? 53;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.maxPending = options.maxPending ?? 1024;
    if (this.upstreams.length === 0) throw new RangeError('DnsForwarder needs at least one upstream resolver');
    if (this.upstreams.some((u) => u.address === options.address && u.port === this.port0)) {
      throw new RangeError(`DnsForwarder upstream ${options.address}:${this.port0} is the forwarder itself: that would loop`);
    }
  }

  get port(): number {
    return this.client?.address().port ?? this.port0;
  }

  stats(): DnsForwarderStats {
    return { ...this.counters };
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  async start(): Promise<void> {
    if (this.client) return;
    // With port 0 the kernel picks the UDP port, and TCP must then take the same number, which
    // another process may hold: pick again a few times instead of failing.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bindSockets();
        return;
      } catch (err) {
        const inUse = (err as { code?: string }).code === 'EADDRINUSE';
        if (this.port0 !== 0 || !inUse || attempt >= 5) throw err;
      }
    }
  }

  private async bindSockets(): Promise<void> {
    const client = createSocket('udp4');
    const upstream = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('error', reject);
        client.bind(this.port0, this.options.address, () => {
          client.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      client.close();
      upstream.close();
      throw describeBindError(err, 'DNS forwarder', this.options.address, this.port0);
    }
    // Ephemeral port on any address: the upstream is usually on loopback, unreachable from the PXE address.
    await new Promise<void>((resolve) => upstream.bind(0, resolve));
    // TCP on the same port: a resolver that got a truncated (TC) answer retries over TCP (RFC 7766).
    const tcp = createServer((socket) => this.onTcp(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(client.address().port, this.options.address, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const port = client.address().port;
      client.close();
      upstream.close();
      throw describeBindError(err, 'DNS forwarder (TCP)', this.options.address, port);
    }
    tcp.on('error', (err) => this.events.emit('error', err));
    this.tcp = tcp;
    // A bug handling one datagram drops that datagram, never the process.
    const guarded = (handle: (msg: Buffer, rinfo: RemoteInfo) => void) => (msg: Buffer, rinfo: RemoteInfo) => {
      try {
        handle(msg, rinfo);
      } catch (err) {
        this.counters.malformed++;
        this.events.emit('dropped', { reason: 'malformed', from: `${rinfo.address}:${rinfo.port}`, detail: `internal error: ${(err as Error).message}` });
      }
    };
    client.on('message', guarded((msg, rinfo) => this.onQuery(msg, rinfo)));
    upstream.on('message', guarded((msg, rinfo) => this.onAnswer(msg, rinfo)));
    for (const s of [client, upstream]) s.on('error', (err) => this.events.emit('error', err));
    this.client = client;
    this.upstreamSocket = upstream;
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.max(50, Math.min(500, this.timeoutMs / 4)));
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.pending.clear();
    for (const s of this.tcpSockets) s.destroy();
    this.tcpSockets.clear();
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    const sockets = [this.client, this.upstreamSocket].filter((s): s is Socket => s !== undefined);
    this.client = this.upstreamSocket = undefined;
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private onQuery(msg: Buffer, rinfo: RemoteInfo): void {
    const from = `${rinfo.address}:${rinfo.port}`;
    let key: string;
    let clientId: number;
    try {
      const header = decodeDnsHeader(msg);
      // Only standard queries (opcode 0) with one question are relayed; a response arriving
      // here is either a reflection attempt or a confused peer.
      if (header.qr || header.opcode !== 0 || header.qdcount !== 1) throw new RangeError(`not a standard query (qr=${header.qr}, opcode=${header.opcode}, qdcount=${header.qdcount})`);
      key = questionKey(msg);
      clientId = header.id;
    } catch (err) {
      this.counters.malformed++;
      this.events.emit('dropped', { reason: 'malformed', from, detail: (err as Error).message });
      return;
    }
    this.counters.queries++;
    if (this.pending.size >= this.maxPending) {
      this.counters.overloaded++;
      this.events.emit('dropped', { reason: 'overloaded', from, detail: `${this.pending.size} queries in flight` });
      return;
    }
    let id = randomInt(0x10000);
    for (let tries = 0; this.pending.has(id) && tries < 64; tries++) id = randomInt(0x10000);
    if (this.pending.has(id)) {
      this.counters.overloaded++;
      return;
    }
    const query = withDnsId(msg, id);
    this.pending.set(id, { clientAddress: rinfo.address, clientPort: rinfo.port, clientId, key, query, upstream: 0, deadline: Date.now() + this.timeoutMs });
    this.send(query, 0);
  }

  /**
   * TCP is relayed as a byte stream to the first upstream: messages are length-prefixed on both
   * sides (RFC 1035 §4.2.2), so no parsing is needed; the connection cap and idle timeout bound
   * what a client can hold open.
   */
  private onTcp(socket: TcpSocket): void {
    if (this.tcpSockets.size >= (this.options.maxTcpConnections ?? 64)) {
      this.counters.tcpRefused++;
      socket.destroy();
      return;
    }
    this.counters.tcpConnections++;
    const u = this.upstreams[0]!;
    const upstream = connect(u.port, u.address);
    this.tcpSockets.add(socket);
    this.tcpSockets.add(upstream);
    const close = () => {
      socket.destroy();
      upstream.destroy();
      this.tcpSockets.delete(socket);
      this.tcpSockets.delete(upstream);
    };
    for (const s of [socket, upstream]) {
      s.setTimeout(this.options.tcpIdleMs ?? 10_000, close);
      s.on('error', close);
      s.on('close', close);
    }
    socket.pipe(upstream);
    upstream.pipe(socket);
  }

  private onAnswer(msg: Buffer, rinfo: RemoteInfo): void {
    const from = `${rinfo.address}:${rinfo.port}`;
    let entry: Pending | undefined;
    let id: number;
    try {
      const header = decodeDnsHeader(msg);
      id = header.id;
      entry = this.pending.get(id);
      const upstream = entry ? this.upstreams[entry.upstream] : undefined;
      const fromUpstream = this.upstreams.some((u) => u.address === rinfo.address && u.port === rinfo.port);
      if (!header.qr || !entry || !fromUpstream || !upstream || questionKey(msg) !== entry.key) {
        this.counters.unmatched++;
        this.events.emit('dropped', { reason: 'unmatched', from, detail: `id ${id}` });
        return;
      }
    } catch (err) {
      this.counters.malformed++;
      this.events.emit('dropped', { reason: 'malformed', from, detail: (err as Error).message });
      return;
    }
    this.pending.delete(id);
    this.counters.answered++;
    this.client?.send(withDnsId(msg, entry.clientId), entry.clientPort, entry.clientAddress);
  }

  private send(query: Uint8Array, upstreamIndex: number): void {
    const u = this.upstreams[upstreamIndex]!;
    this.upstreamSocket?.send(query, u.port, u.address);
  }

  /** Moves overdue queries to the next upstream once each, then forgets them. */
  private sweep(now: number): void {
    for (const [id, entry] of this.pending) {
      if (entry.deadline > now) continue;
      if (entry.upstream + 1 < this.upstreams.length) {
        entry.upstream++;
        entry.deadline = now + this.timeoutMs;
        this.send(entry.query, entry.upstream);
        continue;
      }
      this.pending.delete(id);
      this.counters.timedOut++;
      this.events.emit('dropped', { reason: 'timeout', from: `${entry.clientAddress}:${entry.clientPort}`, detail: entry.key });
    }
  }
}
