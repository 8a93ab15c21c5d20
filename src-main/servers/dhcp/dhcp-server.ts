import type { RemoteInfo } from 'node:dgram';
import { classifyClient, type PxeClientInfo } from '../../pxe/client-class.ts';
import { macFromBytes } from '../../shared/mac.ts';
import { DhcpCodecError } from '../../protocol/dhcp/dhcp-codec-error.ts';
import { inSubnet, isIpv4, netmaskToPrefix, subnetBroadcastOf } from '../../protocol/dhcp/ipv4-address.ts';
import { BOOTREQUEST, DhcpMessageType, messageTypeName } from '../../protocol/dhcp/option-codes.ts';
import { decodeDhcpPacket, encodeDhcpPacket, type DhcpPacket } from '../../protocol/dhcp/packet.ts';
import { Opt, readOption } from '../../protocol/dhcp/typed-options.ts';
import { Emitter } from '../../shared/emitter.ts';
import { ConflictWatch } from './dhcp-conflict-watch.ts';
import { clientKey, foreignOrigin, safeRead } from './dhcp-request-facts.ts';
import type { DhcpServerOptions } from './dhcp-server-options.ts';
import { fullReply, nakReply, proxyReply, type ReplyNetwork } from './dhcp-replies.ts';
import { defaultReplyBroadcast, DhcpSocketPair, type ReceivedVia } from './dhcp-socket-pair.ts';
import type { BootAnswer, DhcpClientRef, DhcpServerEvents, DhcpStats, RequestState } from './dhcp-events.ts';
import { loadLeaseFile, LeaseFileWriter } from './lease-file.ts';
import { LeasePool, poolForSubnet } from './lease-pool.ts';

interface Resolved {
  prefixLength: number;
  broadcastAddress: string;
  subnetBroadcast: string;
  port: number;
  proxyPort: number;
  clientPort: number;
  leaseSeconds: number;
}

/**
 * Bootcast's DHCP server: full DHCP (RFC 2131) with PXE boot information, or proxyDHCP (PXE 2.1)
 * next to the network's own server. See DhcpSocketPair for how replies stay on the chosen
 * interface. Packets are never trusted: anything malformed is counted, reported as 'malformed'
 * and dropped; no exception leaves a socket handler.
 */
export class DhcpServer {
  readonly events = new Emitter<DhcpServerEvents>();
  private readonly r: Resolved;
  private readonly network: ReplyNetwork;
  private pool: LeasePool | null = null;
  private leaseWriter: LeaseFileWriter | null = null;
  private main: DhcpSocketPair | null = null;
  private proxy: DhcpSocketPair | null = null;
  private watch: ConflictWatch | null = null;
  private readonly now: () => number;
  private readonly counters = { received: 0, malformed: 0, ignored: 0, sent: 0, sendErrors: 0, conflicts: 0 };
  private readonly byType: Record<string, number> = {};

  constructor(private readonly opts: DhcpServerOptions) {
    if (!isIpv4(opts.serverAddress)) throw new RangeError(`DHCP: server address "${opts.serverAddress}" is not an IPv4 address`);
    const prefixLength = opts.prefixLength ?? (opts.netmask ? netmaskToPrefix(opts.netmask) : undefined);
    if (prefixLength === undefined) throw new RangeError('DHCP: give prefixLength or netmask for the server address');
    const subnetBroadcast = subnetBroadcastOf(opts.serverAddress, prefixLength);
    this.r = {
      prefixLength,
      subnetBroadcast,
      broadcastAddress: opts.broadcastAddress ?? defaultReplyBroadcast(subnetBroadcast),
      port: opts.port ?? 67,
      proxyPort: opts.proxyPort ?? 4011,
      clientPort: opts.clientPort ?? 68,
      leaseSeconds: opts.leaseSeconds ?? 3600,
    };
    this.now = opts.now ?? Date.now;
    this.network = {
      serverAddress: opts.serverAddress, prefixLength, subnetBroadcast, leaseSeconds: this.r.leaseSeconds,
      ...(opts.router ? { router: opts.router } : {}), ...(opts.dns ? { dns: opts.dns } : {}),
      ipxeSkipProxyDhcpWait: opts.ipxeSkipProxyDhcpWait ?? true,
    };
    if (opts.mode === 'full') this.pool = poolForSubnet({ serverAddress: opts.serverAddress, prefixLength, ...(opts.range ? { range: opts.range } : {}), ...(opts.router ? { router: opts.router } : {}), now: this.now });
  }

  get mode(): DhcpServerOptions['mode'] {
    return this.opts.mode;
  }

  /** Ports actually bound (useful with port 0 in tests). */
  get ports(): { dhcp: number; proxy: number | null; watch: number | null } {
    return { dhcp: this.main?.port ?? 0, proxy: this.proxy?.port ?? null, watch: this.watch?.port ?? null };
  }

  async start(): Promise<void> {
    if (this.opts.mode === 'off' || this.main) return;
    if (this.pool && this.opts.dataDir) {
      const { leases, warning } = await loadLeaseFile(this.opts.dataDir);
      if (warning) this.events.emit('warning', { message: warning });
      this.pool.restore(leases);
      const pool = this.pool;
      this.leaseWriter = new LeaseFileWriter(this.opts.dataDir, () => pool.records(), (message) => this.events.emit('warning', { message }));
    }
    const listenAddress = this.opts.listenAddress ?? '0.0.0.0';
    this.main = new DhcpSocketPair({
      address: this.opts.serverAddress, listenAddress, port: this.r.port, service: 'DHCP server', portFlag: '--dhcp-port',
      onMessage: (data, from, via) => this.onPacket(data, from, via, 'dhcp'),
      onError: (err) => this.events.emit('warning', { message: `DHCP socket: ${err.message}` }),
    });
    try {
      await this.main.bind();
      if (this.opts.mode === 'proxy') {
        this.proxy = new DhcpSocketPair({
          address: this.opts.serverAddress, listenAddress, port: this.r.proxyPort, service: 'proxyDHCP (PXE boot server)', portFlag: '--proxy-dhcp-port',
          onMessage: (data, from, via) => this.onPacket(data, from, via, 'proxy'),
          onError: (err) => this.events.emit('warning', { message: `proxyDHCP socket: ${err.message}` }),
        });
        await this.proxy.bind();
      }
    } catch (err) {
      this.closeSockets();
      throw err;
    }
    if (this.opts.mode === 'full') {
      this.watch = new ConflictWatch({
        serverAddress: this.opts.serverAddress, prefixLength: this.r.prefixLength, listenAddress, clientPort: this.r.clientPort,
        serverPort: () => this.main?.port ?? this.r.port, broadcastAddress: this.r.broadcastAddress,
        passive: this.opts.conflictWatch?.passive ?? true, probeIntervalMs: this.opts.conflictWatch?.probeIntervalMs ?? 60_000, now: this.now,
        onConflict: (conflict) => { this.counters.conflicts++; this.events.emit('conflict', conflict); },
        onWarning: (message) => this.events.emit('warning', { message }),
      });
      await this.watch.start();
    }
  }

  async stop(): Promise<void> {
    this.closeSockets();
    await this.leaseWriter?.flush();
  }

  private closeSockets(): void {
    this.watch?.stop();
    for (const pair of [this.main, this.proxy]) pair?.close();
    this.main = this.proxy = this.watch = null;
  }

  stats(): DhcpStats {
    return {
      ...this.counters,
      byType: { ...this.byType },
      activeLeases: this.pool?.activeCount() ?? 0,
      poolSize: this.pool?.size ?? 0,
    };
  }

  // ——— packet handling ———

  private onPacket(data: Uint8Array, from: RemoteInfo, via: ReceivedVia, port: 'dhcp' | 'proxy'): void {
    this.counters.received++;
    const fromText = `${from.address}:${from.port}`;
    let p: DhcpPacket;
    let type: number | undefined;
    try {
      p = decodeDhcpPacket(data);
      type = readOption(p.options, Opt.messageType);
    } catch (err) {
      if (!(err instanceof DhcpCodecError)) throw err;
      this.counters.malformed++;
      this.events.emit('malformed', { from: fromText, reason: err.message, bytes: data.length });
      return;
    }
    if (p.op !== BOOTREQUEST) return this.drop(null, `a BOOTREPLY arrived on the server port from ${fromText}`);
    const typeName = type === undefined ? 'bootp' : (messageTypeName(type) ?? `type-${type}`);
    this.byType[typeName] = (this.byType[typeName] ?? 0) + 1;
    if (this.watch && macFromBytes(p.chaddr, p.hlen) === this.watch.probeMac) return; // our own conflict probe, looped back
    const info = classifyClient(p);
    const ref = this.refOf(p, info, fromText);
    if (type === undefined) return this.drop(ref, 'BOOTP request without a DHCP message type: plain BOOTP is not served');
    const foreign = foreignOrigin(p, from, this.opts.serverAddress, this.r.prefixLength, this.opts.mode);
    if (foreign) return this.drop(ref, foreign);
    try {
      if (port === 'proxy') this.handleProxyPort(p, type, info, ref, from);
      else if (this.opts.mode === 'proxy') this.handleProxyDhcp(p, type, info, ref);
      else this.handleFull(p, type, info, ref, via);
    } catch (err) {
      // Typed option readers throw DhcpCodecError for malformed options the handlers need.
      if (!(err instanceof DhcpCodecError)) throw err;
      this.counters.malformed++;
      this.events.emit('malformed', { from: fromText, reason: err.message, bytes: data.length });
    }
  }

  private refOf(p: DhcpPacket, info: PxeClientInfo, from: string): DhcpClientRef {
    const ref: DhcpClientRef = { mac: info.mac, xid: p.xid, arch: info.arch, archName: info.archName, firmware: info.firmware, pxe: info.pxe, ipxe: info.ipxe, from };
    if (info.vendorClass !== undefined) ref.vendorClass = info.vendorClass;
    if (p.giaddr !== '0.0.0.0') ref.giaddr = p.giaddr;
    return ref;
  }

  private drop(ref: DhcpClientRef | null, reason: string): void {
    this.counters.ignored++;
    if (ref) this.events.emit('ignored', { ...ref, reason });
  }

  private bootFor(info: PxeClientInfo, ref: DhcpClientRef): BootAnswer | null {
    if (!info.pxe) return null;
    try {
      return this.opts.bootPolicy(info);
    } catch (err) {
      this.events.emit('warning', { message: `boot policy failed for ${ref.mac}: ${(err as Error).message}` });
      return null;
    }
  }

  // ——— full mode (RFC 2131 §4.3) ———

  private handleFull(p: DhcpPacket, type: number, info: PxeClientInfo, ref: DhcpClientRef, via: ReceivedVia): void {
    const pool = this.pool!;
    const key = clientKey(p);
    const holdMs = (this.opts.offerHoldSeconds ?? 30) * 1000;
    const leaseMs = this.r.leaseSeconds * 1000;
    switch (type) {
      case DhcpMessageType.DISCOVER: {
        this.events.emit('discover', ref);
        const requested = readOption(p.options, Opt.requestedIp);
        const lease = pool.offer(key, ref.mac, requested && pool.inRange(requested) ? requested : undefined, holdMs);
        if (!lease) return this.drop(ref, `address pool exhausted (${pool.size} addresses, all leased)`);
        const boot = this.bootFor(info, ref);
        this.send(this.fullReply(p, DhcpMessageType.OFFER, lease.ip, info, boot), p);
        this.events.emit('offer', { ...ref, ip: lease.ip, boot });
        return;
      }
      case DhcpMessageType.REQUEST: {
        const serverId = readOption(p.options, Opt.serverId);
        const requested = readOption(p.options, Opt.requestedIp);
        const state: RequestState = serverId !== undefined ? 'selecting'
          : p.ciaddr === '0.0.0.0' ? 'init-reboot'
          : via === 'unicast' ? 'renewing' : 'rebinding';
        const ip = state === 'selecting' || state === 'init-reboot' ? requested ?? (p.ciaddr !== '0.0.0.0' ? p.ciaddr : undefined) : p.ciaddr;
        const withIp = ip ? { ...ref, ip } : ref;
        this.events.emit('request', { ...withIp, state });
        if (state === 'selecting' && serverId !== this.opts.serverAddress) {
          pool.dropOffer(key);
          if (serverId !== undefined) this.watch?.report(serverId, serverId, ip ?? '0.0.0.0', 'client-request');
          return this.drop(withIp, `client chose another server (${serverId})`);
        }
        if (!ip) return this.drop(withIp, `${state} REQUEST without a requested address (option 50)`);
        if (!inSubnet(ip, this.opts.serverAddress, this.r.prefixLength)) {
          return this.nak(p, withIp, `${ip} is not on this network (${this.opts.serverAddress}/${this.r.prefixLength})`);
        }
        const mine = pool.leaseOf(key);
        const holder = pool.holderOf(ip);
        if (state === 'selecting' || (mine && mine.ip === ip) || (state === 'renewing' && !holder && pool.inRange(ip))) {
          // RENEWING a lease we have no record of (lost lease file): the client unicast to us, so
          // we were its server; adopt the address if nobody else holds it.
          const hostname = safeRead(() => readOption(p.options, Opt.hostname));
          const lease = pool.inRange(ip) ? pool.bind(key, ref.mac, ip, leaseMs, hostname) : null;
          if (!lease) return this.nak(p, withIp, holder ? `${ip} is leased to ${holder.mac}` : `${ip} is not in the pool`);
          this.leaseWriter?.markDirty();
          const boot = this.bootFor(info, ref);
          this.send(this.fullReply(p, DhcpMessageType.ACK, ip, info, boot), p);
          this.events.emit('ack', { ...ref, ip, leaseSeconds: this.r.leaseSeconds, boot });
          return;
        }
        if (mine || holder) return this.nak(p, withIp, mine ? `client's lease is ${mine.ip}, not ${ip}` : `${ip} is leased to ${holder!.mac}`);
        // RFC 2131 §4.3.2: with no record of the client, INIT-REBOOT and REBINDING get silence.
        return this.drop(withIp, `no record of this client (${state}); staying silent as RFC 2131 §4.3.2 asks`);
      }
      case DhcpMessageType.DECLINE: {
        const serverId = readOption(p.options, Opt.serverId);
        const ip = readOption(p.options, Opt.requestedIp);
        if (serverId !== undefined && serverId !== this.opts.serverAddress) return this.drop(ref, `DECLINE for another server (${serverId})`);
        if (!ip) return this.drop(ref, 'DECLINE without option 50');
        pool.decline(key, ip, (this.opts.declineQuarantineSeconds ?? 600) * 1000);
        this.leaseWriter?.markDirty();
        this.events.emit('decline', { ...ref, ip });
        return;
      }
      case DhcpMessageType.RELEASE: {
        const serverId = readOption(p.options, Opt.serverId);
        if (serverId !== undefined && serverId !== this.opts.serverAddress) return this.drop(ref, `RELEASE for another server (${serverId})`);
        if (!pool.release(key, p.ciaddr)) return this.drop({ ...ref, ip: p.ciaddr }, `RELEASE of ${p.ciaddr}, which this client does not hold`);
        this.leaseWriter?.markDirty();
        this.events.emit('release', { ...ref, ip: p.ciaddr });
        return;
      }
      case DhcpMessageType.INFORM: {
        if (p.ciaddr === '0.0.0.0') return this.drop(ref, 'INFORM without ciaddr');
        const boot = this.bootFor(info, ref);
        this.send(this.fullReply(p, DhcpMessageType.ACK, null, info, boot), p);
        this.events.emit('inform', { ...ref, ip: p.ciaddr, boot });
        return;
      }
      default:
        return this.drop(ref, `message type ${type} is not a client message`);
    }
  }

  private nak(p: DhcpPacket, ref: DhcpClientRef, reason: string): void {
    this.send(nakReply(p, reason, this.opts.serverAddress), p, true);
    this.events.emit('nak', { ...ref, reason });
  }

  private fullReply(p: DhcpPacket, type: number, ip: string | null, info: PxeClientInfo, boot: BootAnswer | null): DhcpPacket {
    return fullReply(p, type, ip, info, boot, this.network);
  }

  // ——— proxy mode (PXE 2.1 §2.2.2 and §2.2.4) ———

  private handleProxyDhcp(p: DhcpPacket, type: number, info: PxeClientInfo, ref: DhcpClientRef): void {
    if (type !== DhcpMessageType.DISCOVER) {
      if (type === DhcpMessageType.REQUEST && info.pxeClient) return this.drop(ref, 'REQUEST on port 67 is for the network\'s DHCP server (proxy mode answers DISCOVER here, REQUEST on 4011)');
      return this.drop(ref, `proxy mode answers only DISCOVER on port ${this.main!.port} (got ${messageTypeName(type) ?? type})`);
    }
    this.events.emit('discover', ref);
    if (!info.pxeClient && !info.httpClient) return this.drop(ref, `not a PXE client (vendor class ${info.vendorClass ?? 'none'}); the network's DHCP server serves it`);
    const boot = this.bootFor(info, ref);
    if (!boot) return this.drop(ref, `no boot answer for ${info.archName}`);
    this.send(proxyReply(p, DhcpMessageType.OFFER, info, boot, this.opts.serverAddress), p);
    this.events.emit('proxy', { ...ref, port: this.main!.port, kind: 'offer', boot });
  }

  /** Port 4011: the PXE client's (or iPXE's ProxyDHCPREQUEST) unicast REQUEST to the proxy. */
  private handleProxyPort(p: DhcpPacket, type: number, info: PxeClientInfo, ref: DhcpClientRef, from: RemoteInfo): void {
    if (type !== DhcpMessageType.REQUEST && type !== DhcpMessageType.INFORM) {
      return this.drop(ref, `port ${this.proxy!.port} answers REQUEST/INFORM (got ${messageTypeName(type) ?? type})`);
    }
    this.events.emit('request', { ...ref, ...(p.ciaddr !== '0.0.0.0' ? { ip: p.ciaddr } : {}), state: 'selecting' });
    if (!info.pxeClient && !info.httpClient) return this.drop(ref, `not a PXE client (vendor class ${info.vendorClass ?? 'none'})`);
    const boot = this.bootFor(info, ref);
    if (!boot) return this.drop(ref, `no boot answer for ${info.archName}`);
    const reply = proxyReply(p, DhcpMessageType.ACK, info, boot, this.opts.serverAddress);
    reply.ciaddr = p.ciaddr;
    // PXE 2.1 §2.2.4: the boot server answers to the client's source address and port.
    const address = from.address !== '0.0.0.0' ? from.address : this.r.broadcastAddress;
    this.transmit(reply, p, address, from.port, this.proxy!);
    this.events.emit('proxy', { ...ref, port: this.proxy!.port, kind: 'ack', boot });
  }

  // ——— sending (RFC 2131 §4.1) ———

  private send(reply: DhcpPacket, request: DhcpPacket, nak = false): void {
    let address: string;
    let port = this.r.clientPort;
    if (request.giaddr !== '0.0.0.0') {
      address = request.giaddr;
      port = this.main!.port;
    } else if (!nak && request.ciaddr !== '0.0.0.0') {
      address = request.ciaddr;
    } else {
      // Broadcast bit set or not: without a raw socket we cannot unicast to an address the
      // client does not have yet (no ARP entry), and RFC 2131 §4.1 allows broadcasting instead.
      address = this.r.broadcastAddress;
    }
    this.transmit(reply, request, address, port, this.main!);
  }

  private transmit(reply: DhcpPacket, request: DhcpPacket, address: string, port: number, via: DhcpSocketPair): void {
    let maxLength: number | undefined;
    try {
      maxLength = readOption(request.options, Opt.maxMessageSize);
    } catch {
      maxLength = undefined; // a bad option 57 only means we assume the 576-byte default
    }
    let bytes: Uint8Array;
    try {
      bytes = encodeDhcpPacket(reply, maxLength === undefined ? {} : { maxLength: Math.min(maxLength, 1472) });
    } catch (err) {
      if (!(err instanceof DhcpCodecError)) throw err;
      // Our reply, not the request, is at fault (e.g. a boot URL too long for a 576-byte client).
      this.counters.sendErrors++;
      this.events.emit('warning', { message: `reply to ${macFromBytes(request.chaddr, request.hlen)} (xid ${request.xid}) not sent: ${err.message}; shorten the boot URL` });
      return;
    }
    this.counters.sent++;
    via.send(bytes, port, address).catch((err: Error) => {
      this.counters.sendErrors++;
      this.events.emit('warning', { message: `could not send DHCP reply to ${address}:${port}: ${err.message}` });
    });
  }
}
