import type { RemoteInfo } from 'node:dgram';
import { classifyClient, type PxeClientInfo } from '../../pxe/client-class.ts';
import { macFromBytes } from '../../shared/mac.ts';
import { DhcpCodecError } from '../../protocol/dhcp/dhcp-codec-error.ts';
import {
  formatIpv4, inSubnet, isIpv4, netmaskToPrefix, networkOf, parseIpv4, prefixToNetmask, subnetBroadcastOf,
} from '../../protocol/dhcp/ipv4-address.ts';
import { BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, DhcpMessageType, DhcpOption, IpxeSubOption, messageTypeName } from '../../protocol/dhcp/option-codes.ts';
import { decodeDhcpPacket, emptyPacket, encodeDhcpPacket, type DhcpPacket } from '../../protocol/dhcp/packet.ts';
import { DiscoveryControl, encodePxeVendorOptions } from '../../protocol/dhcp/pxe-vendor-options.ts';
import { Opt, readOption, writeOption } from '../../protocol/dhcp/typed-options.ts';
import { Emitter } from '../../shared/emitter.ts';
import { answerFrom, probeDiscover, randomLocalMac } from './dhcp-probe.ts';
import { defaultReplyBroadcast, DhcpSocketPair, type ReceivedVia } from './dhcp-socket-pair.ts';
import type { BootAnswer, BootPolicy, DhcpClientRef, DhcpServerEvents, DhcpStats, RequestState } from './dhcp-events.ts';
import { loadLeaseFile, LeaseFileWriter } from './lease-file.ts';
import { LeasePool } from './lease-pool.ts';

export interface DhcpServerOptions {
  /** 'full' gives addresses, 'proxy' only boot information to PXE clients, 'off' binds nothing. `auto` is resolved before (decideDhcpMode). */
  mode: 'full' | 'proxy' | 'off';
  /** IPv4 address of the chosen interface: replies come from it and name it as server identifier. */
  serverAddress: string;
  /** Subnet of the interface; give this or `netmask`. */
  prefixLength?: number;
  netmask?: string;
  /** Where broadcast replies go; default 255.255.255.255 on Linux, else the subnet-directed broadcast (see DhcpSocketPair). */
  broadcastAddress?: string;
  /** Where broadcasts are received; default '0.0.0.0'. */
  listenAddress?: string;
  /** Server port, default 67 (0 = any free port, for tests). */
  port?: number;
  /** proxyDHCP / PXE boot server port, default 4011 (proxy mode only). */
  proxyPort?: number;
  /** Where clients listen, default 68. */
  clientPort?: number;
  /** Full-mode pool; default the upper half of the subnet. Must lie inside the subnet. */
  range?: { first: string; last: string };
  leaseSeconds?: number;
  router?: string;
  dns?: string[];
  /** Lease persistence (dhcp-leases.json); none when absent. */
  dataDir?: string;
  bootPolicy: BootPolicy;
  /** How long an OFFERed address is held for the client's REQUEST. */
  offerHoldSeconds?: number;
  /** How long a DECLINEd address stays out of the pool. */
  declineQuarantineSeconds?: number;
  /**
   * Full mode: tell iPXE (option 175.176 no-pxedhcp = 1) not to wait for ProxyDHCP offers,
   * which otherwise costs every boot 2–3 s. Default true.
   */
  ipxeSkipProxyDhcpWait?: boolean;
  /**
   * Full mode: keep watching for another DHCP server. Both ways listen on the client port (68)
   * with a wildcard + address-bound socket pair, SO_REUSEADDR, so a DHCP client of this machine
   * keeps working (its own socket is address-bound or raw in every common implementation).
   * `passive` (default true) reports any foreign OFFER/ACK broadcast seen on the chosen network
   * (source or offered address inside the subnet); `probeIntervalMs` (default 60 s, 0 = never)
   * sends our own DISCOVER, since a server that unicasts its answers is invisible otherwise.
   */
  conflictWatch?: { passive?: boolean; probeIntervalMs?: number };
  now?: () => number;
}

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
  private pool: LeasePool | null = null;
  private leaseWriter: LeaseFileWriter | null = null;
  private main: DhcpSocketPair | null = null;
  private proxy: DhcpSocketPair | null = null;
  private watch: DhcpSocketPair | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly probeMac = randomLocalMac();
  private readonly probeXids = new Set<number>();
  private readonly conflictsSeen = new Map<string, number>();
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
    if (opts.mode === 'full') this.pool = this.createPool();
  }

  private createPool(): LeasePool {
    const { serverAddress } = this.opts;
    const { prefixLength } = this.r;
    const network = networkOf(serverAddress, prefixLength);
    const broadcast = parseIpv4(this.r.subnetBroadcast);
    const subnet = `${formatIpv4(network)}/${prefixLength}`;
    let range = this.opts.range;
    if (!range) {
      if (prefixLength > 29) throw new RangeError(`DHCP full mode: subnet ${subnet} is too small for an address pool; give the interface a /24 or set a range`);
      const hosts = broadcast - network - 1;
      range = { first: formatIpv4(network + 1 + Math.floor(hosts / 2)), last: formatIpv4(broadcast - 1) };
    }
    for (const end of [range.first, range.last]) {
      if (!isIpv4(end) || !inSubnet(end, serverAddress, prefixLength) || parseIpv4(end) === network || parseIpv4(end) === broadcast) {
        throw new RangeError(`DHCP full mode: range ${range.first}–${range.last} must lie inside ${subnet} (the interface's subnet), excluding ${formatIpv4(network)} and ${formatIpv4(broadcast)}`);
      }
    }
    const exclude = [serverAddress, ...(this.opts.router ? [this.opts.router] : [])];
    return new LeasePool({ first: range.first, last: range.last, exclude, now: this.now });
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
    if (this.opts.mode === 'full') await this.startConflictWatch(listenAddress);
  }

  async stop(): Promise<void> {
    this.closeSockets();
    await this.leaseWriter?.flush();
  }

  private closeSockets(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    for (const pair of [this.main, this.proxy, this.watch]) pair?.close();
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

  // ——— foreign server watch (full mode) ———

  private async startConflictWatch(listenAddress: string): Promise<void> {
    const passive = this.opts.conflictWatch?.passive ?? true;
    const interval = this.opts.conflictWatch?.probeIntervalMs ?? 60_000;
    if (!passive && interval <= 0) return;
    // Answers to the probe come back as broadcasts, so the wildcard socket is needed either way;
    // without `passive` only answers to our own probes count.
    this.watch = new DhcpSocketPair({
      address: this.opts.serverAddress,
      listenAddress,
      port: this.r.clientPort,
      service: 'DHCP conflict watch',
      onMessage: (data, from) => this.onWatchPacket(data, from, passive),
      onError: (err) => this.events.emit('warning', { message: `DHCP conflict watch: ${err.message}` }),
    });
    try {
      await this.watch.bind();
    } catch (err) {
      this.watch = null;
      this.events.emit('warning', { message: `cannot watch for other DHCP servers (${(err as Error).message}); a second DHCP server on this network would go unnoticed` });
      return;
    }
    if (interval > 0) {
      const probe = () => {
        const xid = (Math.random() * 0xffffffff) >>> 0;
        this.probeXids.add(xid);
        if (this.probeXids.size > 16) this.probeXids.delete(this.probeXids.values().next().value!);
        this.watch?.send(probeDiscover(xid, this.probeMac, {}), this.main?.port ?? this.r.port, this.r.broadcastAddress).catch((err: Error) => {
          this.events.emit('warning', { message: `DHCP conflict probe could not be sent: ${err.message}` });
        });
      };
      this.probeTimer = setInterval(probe, interval);
      this.probeTimer.unref();
      probe();
    }
  }

  private onWatchPacket(data: Uint8Array, from: RemoteInfo, passive: boolean): void {
    if (from.address === this.opts.serverAddress) return;
    const answer = answerFrom(data, from, null);
    if (!answer || answer.serverId === this.opts.serverAddress) return;
    const xid = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4);
    const ours = this.probeXids.has(xid);
    if (!ours && !passive) return;
    const onThisNetwork = ours || inSubnet(from.address, this.opts.serverAddress, this.r.prefixLength) || inSubnet(answer.offeredAddress, this.opts.serverAddress, this.r.prefixLength);
    if (!onThisNetwork || answer.offeredAddress === '0.0.0.0') return; // a proxyDHCP server gives no addresses: no conflict
    this.reportConflict(answer.serverId, from.address, answer.offeredAddress, ours ? 'probe' : 'passive');
  }

  private reportConflict(serverId: string, address: string, offeredAddress: string, via: 'probe' | 'passive' | 'client-request'): void {
    const last = this.conflictsSeen.get(serverId);
    const now = this.now();
    if (last !== undefined && now - last < 60_000) return;
    this.conflictsSeen.set(serverId, now);
    this.counters.conflicts++;
    this.events.emit('conflict', {
      serverId, address, offeredAddress, via,
      message: `another DHCP server (${serverId}) is handing out addresses on this network while Bootcast runs in full mode: clients may get its answer and no boot information. Stop one of them or switch Bootcast to proxy mode.`,
    });
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
    if (macFromBytes(p.chaddr, p.hlen) === this.probeMac) return; // our own conflict probe, looped back
    const info = classifyClient(p);
    const ref = this.refOf(p, info, fromText);
    if (type === undefined) return this.drop(ref, 'BOOTP request without a DHCP message type: plain BOOTP is not served');
    const foreign = this.foreignOrigin(p, from);
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

  /**
   * Requests that demonstrably come from another network (see DhcpSocketPair): answering them
   * would send a reply out of an interface the user did not choose.
   */
  private foreignOrigin(p: DhcpPacket, from: RemoteInfo): string | null {
    const { serverAddress } = this.opts;
    const subnet = `${formatIpv4(networkOf(serverAddress, this.r.prefixLength))}/${this.r.prefixLength}`;
    if (p.giaddr !== '0.0.0.0') {
      if (this.opts.mode === 'full' && !inSubnet(p.giaddr, serverAddress, this.r.prefixLength)) {
        return `relayed by ${p.giaddr}, whose network has no pool here (pool is in ${subnet})`;
      }
      return null;
    }
    if (p.ciaddr !== '0.0.0.0' && !inSubnet(p.ciaddr, serverAddress, this.r.prefixLength)) return `client address ${p.ciaddr} is outside ${subnet}: not from the chosen interface`;
    if (from.address !== '0.0.0.0' && !inSubnet(from.address, serverAddress, this.r.prefixLength)) return `sent from ${from.address}, outside ${subnet}: not from the chosen interface`;
    return null;
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

  private clientKey(p: DhcpPacket): string {
    const mac = macFromBytes(p.chaddr, p.hlen);
    const id = p.options.get(DhcpOption.CLIENT_ID);
    if (!id || id.length < 2) return `mac:${mac}`;
    // 61 = 01:<MAC> (what iPXE sends) is the same machine as a ROM that sends no 61.
    const hex = [...id].map((b) => b.toString(16).padStart(2, '0'));
    if (id[0] === 1 && hex.slice(1).join(':') === mac) return `mac:${mac}`;
    return `id:${hex.join('')}`;
  }

  // ——— full mode (RFC 2131 §4.3) ———

  private handleFull(p: DhcpPacket, type: number, info: PxeClientInfo, ref: DhcpClientRef, via: ReceivedVia): void {
    const pool = this.pool!;
    const key = this.clientKey(p);
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
          if (serverId !== undefined) this.reportConflict(serverId, serverId, ip ?? '0.0.0.0', 'client-request');
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
    const reply = this.baseReply(p, DhcpMessageType.NAK);
    writeOption(reply.options, Opt.message, reason.slice(0, 200));
    // RFC 2131 §4.3.2: a NAK is broadcast (or sent to the relay with the broadcast bit set).
    reply.flags |= BROADCAST_FLAG;
    this.send(reply, p, true);
    this.events.emit('nak', { ...ref, reason });
  }

  private baseReply(p: DhcpPacket, type: number): DhcpPacket {
    const reply: DhcpPacket = {
      ...emptyPacket(BOOTREPLY), htype: p.htype, hlen: p.hlen, xid: p.xid, flags: p.flags, giaddr: p.giaddr, chaddr: p.chaddr.slice(),
    };
    writeOption(reply.options, Opt.messageType, type);
    writeOption(reply.options, Opt.serverId, this.opts.serverAddress);
    return reply;
  }

  private fullReply(p: DhcpPacket, type: number, ip: string | null, info: PxeClientInfo, boot: BootAnswer | null): DhcpPacket {
    const reply = this.baseReply(p, type);
    if (ip) reply.yiaddr = ip;
    else reply.ciaddr = p.ciaddr; // INFORM ACK: no address, no lease time (RFC 2131 §4.3.5)
    if (type === DhcpMessageType.ACK && p.ciaddr !== '0.0.0.0') reply.ciaddr = p.ciaddr;
    const o = reply.options;
    if (ip) {
      writeOption(o, Opt.leaseTime, this.r.leaseSeconds);
      writeOption(o, Opt.renewalTime, Math.floor(this.r.leaseSeconds / 2));
      writeOption(o, Opt.rebindingTime, Math.floor((this.r.leaseSeconds * 7) / 8));
    }
    writeOption(o, Opt.subnetMask, formatIpv4(prefixToNetmask(this.r.prefixLength)));
    writeOption(o, Opt.broadcastAddress, this.r.subnetBroadcast);
    if (this.opts.router) writeOption(o, Opt.router, [this.opts.router]);
    if (this.opts.dns?.length) writeOption(o, Opt.dnsServers, this.opts.dns);
    if (boot) this.addBoot(reply, p, info, boot);
    if (boot && info.ipxe && (this.opts.ipxeSkipProxyDhcpWait ?? true)) {
      writeOption(o, Opt.ipxe, new Map([[IpxeSubOption.NO_PXEDHCP, Uint8Array.of(1)]]));
    }
    this.echoRelayAgent(p, reply);
    return reply;
  }

  /** siaddr/sname/file and options 66/67 (firmware reads one or the other), plus the PXE vendor bits. */
  private addBoot(reply: DhcpPacket, p: DhcpPacket, info: PxeClientInfo, boot: BootAnswer): void {
    const nextServer = boot.nextServer ?? this.opts.serverAddress;
    const serverName = boot.serverName ?? nextServer;
    reply.siaddr = nextServer;
    reply.sname = serverName.length < 64 ? serverName : '';
    reply.file = boot.bootFile.length < 128 ? boot.bootFile : '';
    writeOption(reply.options, Opt.tftpServerName, serverName);
    writeOption(reply.options, Opt.bootfileName, boot.bootFile);
    if (info.httpClient) {
      // UEFI HTTP boot only accepts offers that echo its vendor class (UEFI 2.5 §24.7).
      writeOption(reply.options, Opt.vendorClass, 'HTTPClient');
    } else if (info.pxeClient) {
      // PXE 2.1 §2.2.1: "PXEClient" marks the offer as carrying PXE information; discovery
      // control bit 3 says "boot the file named here, no menu, no boot server discovery".
      writeOption(reply.options, Opt.vendorClass, 'PXEClient');
      reply.options.set(DhcpOption.VENDOR_SPECIFIC, encodePxeVendorOptions({ discoveryControl: DiscoveryControl.USE_BOOTFILE, other: new Map() }));
    }
    const uuid = p.options.get(DhcpOption.CLIENT_UUID);
    if (uuid && info.pxeClient) reply.options.set(DhcpOption.CLIENT_UUID, uuid);
  }

  private echoRelayAgent(p: DhcpPacket, reply: DhcpPacket): void {
    // RFC 3046 §2.2: echo option 82 unchanged, as the last option.
    const relay = p.options.get(DhcpOption.RELAY_AGENT);
    if (relay) reply.options.set(DhcpOption.RELAY_AGENT, relay);
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
    this.send(this.proxyReply(p, DhcpMessageType.OFFER, info, boot), p);
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
    const reply = this.proxyReply(p, DhcpMessageType.ACK, info, boot);
    reply.ciaddr = p.ciaddr;
    // PXE 2.1 §2.2.4: the boot server answers to the client's source address and port.
    const address = from.address !== '0.0.0.0' ? from.address : this.r.broadcastAddress;
    this.transmit(reply, p, address, from.port, this.proxy!);
    this.events.emit('proxy', { ...ref, port: this.proxy!.port, kind: 'ack', boot });
  }

  private proxyReply(p: DhcpPacket, type: number, info: PxeClientInfo, boot: BootAnswer): DhcpPacket {
    const reply = this.baseReply(p, type);
    // No yiaddr, no lease, no network configuration: the network's own server gives those.
    this.addBoot(reply, p, { ...info, pxeClient: !info.httpClient, httpClient: info.httpClient }, boot);
    this.echoRelayAgent(p, reply);
    return reply;
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

function safeRead<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
