import { formatIpv4, inSubnet, isIpv4, networkOf, parseIpv4 } from '../../protocol/dhcp/ipv4-address.ts';

/**
 * The full-mode address pool: which client holds which address until when. Pure bookkeeping
 * with an injected clock; persistence is LeaseFile's job.
 *
 * A client is keyed by its client identifier (option 61) or, when absent or just its MAC, by
 * the MAC: a PXE ROM sends no 61 but the iPXE it loads sends 61 = 01:MAC, and both stages of
 * one machine must get the same address.
 */
export type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

export interface Lease {
  clientKey: string;
  mac: string;
  ip: string;
  state: LeaseState;
  /** Epoch ms; after it the address may be reused (the record still remembers the client). */
  expiresAt: number;
  hostname?: string;
}

export interface LeasePoolOptions {
  first: string;
  last: string;
  /** Addresses inside the range that must never be handed out (server, router, broadcast). */
  exclude?: string[];
  now?: () => number;
}

/**
 * The pool for a server at `serverAddress`/`prefixLength`: the given range, or by default the upper
 * half of the subnet. Throws a message naming the subnet when the range lies outside it.
 */
export function poolForSubnet(o: { serverAddress: string; prefixLength: number; range?: { first: string; last: string }; router?: string; now: () => number }): LeasePool {
  const network = networkOf(o.serverAddress, o.prefixLength);
  const broadcast = network + 2 ** (32 - o.prefixLength) - 1;
  const subnet = `${formatIpv4(network)}/${o.prefixLength}`;
  let range = o.range;
  if (!range) {
    if (o.prefixLength > 29) throw new RangeError(`DHCP full mode: subnet ${subnet} is too small for an address pool; give the interface a /24 or set a range`);
    const hosts = broadcast - network - 1;
    range = { first: formatIpv4(network + 1 + Math.floor(hosts / 2)), last: formatIpv4(broadcast - 1) };
  }
  for (const end of [range.first, range.last]) {
    if (!isIpv4(end) || !inSubnet(end, o.serverAddress, o.prefixLength) || parseIpv4(end) === network || parseIpv4(end) === broadcast) {
      throw new RangeError(`DHCP full mode: range ${range.first}–${range.last} must lie inside ${subnet} (the interface's subnet), excluding ${formatIpv4(network)} and ${formatIpv4(broadcast)}`);
    }
  }
  const exclude = [o.serverAddress, ...(o.router ? [o.router] : [])];
  return new LeasePool({ first: range.first, last: range.last, exclude, now: o.now });
}

export class LeasePool {
  private readonly first: number;
  private readonly last: number;
  private readonly excluded: Set<number>;
  private readonly byClient = new Map<string, Lease>();
  private readonly byIp = new Map<number, Lease>();
  private cursor: number;
  private readonly now: () => number;

  constructor(opts: LeasePoolOptions) {
    this.first = parseIpv4(opts.first);
    this.last = parseIpv4(opts.last);
    if (this.last < this.first) throw new RangeError(`DHCP range ${opts.first}–${opts.last} is empty: the last address is below the first`);
    this.excluded = new Set((opts.exclude ?? []).map(parseIpv4));
    this.cursor = this.first;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.last - this.first + 1 - [...this.excluded].filter((n) => n >= this.first && n <= this.last).length;
  }

  inRange(ip: string): boolean {
    const n = parseIpv4(ip);
    return n >= this.first && n <= this.last && !this.excluded.has(n);
  }

  leaseOf(clientKey: string): Lease | undefined {
    return this.byClient.get(clientKey);
  }

  /** The live (unexpired, not released) holder of an address, if any. */
  holderOf(ip: string): Lease | undefined {
    const lease = this.byIp.get(parseIpv4(ip));
    return lease && this.isLive(lease) ? lease : undefined;
  }

  private isLive(lease: Lease): boolean {
    return lease.state !== 'released' && lease.expiresAt > this.now();
  }

  private availableTo(n: number, clientKey: string): boolean {
    if (n < this.first || n > this.last || this.excluded.has(n)) return false;
    const lease = this.byIp.get(n);
    if (!lease) return true;
    if (lease.state === 'declined') return lease.expiresAt <= this.now();
    return lease.clientKey === clientKey || !this.isLive(lease);
  }

  private assign(clientKey: string, mac: string, n: number, state: LeaseState, expiresAt: number, hostname?: string): Lease {
    const previous = this.byClient.get(clientKey);
    if (previous && parseIpv4(previous.ip) !== n && this.byIp.get(parseIpv4(previous.ip)) === previous) this.byIp.delete(parseIpv4(previous.ip));
    const displaced = this.byIp.get(n);
    if (displaced && displaced.clientKey !== clientKey && this.byClient.get(displaced.clientKey) === displaced) this.byClient.delete(displaced.clientKey);
    const lease: Lease = { clientKey, mac, ip: formatIpv4(n), state, expiresAt };
    const name = hostname ?? previous?.hostname;
    if (name !== undefined) lease.hostname = name;
    this.byClient.set(clientKey, lease);
    this.byIp.set(n, lease);
    return lease;
  }

  /**
   * Picks an address for a DISCOVER and holds it for `holdMs`: the client's current or previous
   * address if still free, else the one it asks for (option 50) if free, else an address never
   * handed out, else the one whose lease expired longest ago. Null when the pool is exhausted.
   */
  offer(clientKey: string, mac: string, requested: string | undefined, holdMs: number): Lease | null {
    const now = this.now();
    const mine = this.byClient.get(clientKey);
    if (mine && this.availableTo(parseIpv4(mine.ip), clientKey)) {
      if (mine.state === 'bound' && mine.expiresAt > now) return mine;
      return this.assign(clientKey, mac, parseIpv4(mine.ip), 'offered', now + holdMs);
    }
    if (requested !== undefined) {
      const n = parseIpv4(requested);
      if (this.availableTo(n, clientKey)) return this.assign(clientKey, mac, n, 'offered', now + holdMs);
    }
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const n = this.first + ((this.cursor - this.first + i) % span);
      if (!this.excluded.has(n) && !this.byIp.has(n)) {
        this.cursor = n + 1 > this.last ? this.first : n + 1;
        return this.assign(clientKey, mac, n, 'offered', now + holdMs);
      }
    }
    let oldest: Lease | undefined;
    for (const lease of this.byIp.values()) {
      if (this.availableTo(parseIpv4(lease.ip), clientKey) && (!oldest || lease.expiresAt < oldest.expiresAt)) oldest = lease;
    }
    return oldest ? this.assign(clientKey, mac, parseIpv4(oldest.ip), 'offered', now + holdMs) : null;
  }

  /** Binds `ip` to the client for `leaseMs` (a REQUEST being ACKed). False when someone else holds it. */
  bind(clientKey: string, mac: string, ip: string, leaseMs: number, hostname?: string): Lease | null {
    const n = parseIpv4(ip);
    if (!this.availableTo(n, clientKey)) return null;
    return this.assign(clientKey, mac, n, 'bound', this.now() + leaseMs, hostname);
  }

  /** RELEASE: the address is free again, but the client keeps its claim to get it back next time. */
  release(clientKey: string, ip: string): boolean {
    const lease = this.byClient.get(clientKey);
    if (!lease || lease.ip !== ip) return false;
    lease.state = 'released';
    lease.expiresAt = this.now();
    return true;
  }

  /** An offer the client did not take (it REQUESTed another server's): free at once. */
  dropOffer(clientKey: string): void {
    const lease = this.byClient.get(clientKey);
    if (lease?.state === 'offered') lease.expiresAt = this.now();
  }

  /** DECLINE (RFC 2131 §4.3.3): the address is in use by someone unknown; keep it out of the pool for `quarantineMs`. */
  decline(clientKey: string, ip: string, quarantineMs: number): boolean {
    const n = parseIpv4(ip);
    if (n < this.first || n > this.last) return false;
    const lease = this.byIp.get(n);
    if (lease && this.byClient.get(lease.clientKey) === lease) this.byClient.delete(lease.clientKey);
    const mine = this.byClient.get(clientKey);
    if (mine?.ip === ip) this.byClient.delete(clientKey);
    this.byIp.set(n, { clientKey: `declined:${ip}`, mac: '', ip, state: 'declined', expiresAt: this.now() + quarantineMs });
    return true;
  }

  /** Bound and released leases (offers are not worth persisting), for the lease file. */
  records(): Lease[] {
    return [...this.byClient.values()].filter((l) => l.state === 'bound' || l.state === 'released').map((l) => ({ ...l }));
  }

  /** Restores leases from the lease file; records outside the current range are dropped. */
  restore(leases: Lease[]): { restored: number; dropped: number } {
    let restored = 0;
    let dropped = 0;
    for (const l of leases) {
      if (!this.inRange(l.ip) || (l.state !== 'bound' && l.state !== 'released')) {
        dropped++;
        continue;
      }
      this.assign(l.clientKey, l.mac, parseIpv4(l.ip), l.state, l.expiresAt, l.hostname);
      restored++;
    }
    return { restored, dropped };
  }

  activeCount(): number {
    let n = 0;
    for (const lease of this.byIp.values()) if (lease.state === 'bound' && lease.expiresAt > this.now()) n++;
    return n;
  }
}
