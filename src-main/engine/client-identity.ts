import { macFromQuery, normalizeMac } from '../shared/mac.ts';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { platformNeighbourSource, type NeighbourSource } from './neighbour-table.ts';

/**
 * Where an IP → MAC mapping came from, most trusted first: our own DHCP exchange with the
 * client, the MAC iPXE states in its request, the kernel's neighbour table.
 */
export type IdentitySource = 'dhcp' | 'ipxe' | 'neighbour';

const RANK: Record<IdentitySource, number> = { dhcp: 3, ipxe: 2, neighbour: 1 };

export interface IdentityEntry {
  mac: string;
  source: IdentitySource;
  learnedAt: number;
  expiresAt: number;
}

export interface ClientIdentityOptions {
  now?: () => number;
  /** How long a learned mapping holds without being learned again. */
  ttlMs?: number;
  maxEntries?: number;
  /**
   * The host's neighbour (ARP) table; the platform's by default (/proc/net/arp on Linux,
   * `arp -a` in the background elsewhere). Consulted at most once per `neighbourRefreshMs`,
   * and only for an address not otherwise known.
   */
  neighbours?: NeighbourSource;
  neighbourRefreshMs?: number;
}

/** The query of an iPXE HTTP request (the MAC it states about itself). */
function queryGetter(event: TimelineEvent): ((key: string) => string | undefined) | undefined {
  if ((event.kind !== 'http.start' && event.kind !== 'http.progress' && event.kind !== 'http.done') || !event.query) return undefined;
  const q = event.query;
  return (k) => (typeof q[k] === 'string' ? q[k] : undefined);
}

const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const DHCP_LEARN_KINDS = new Set(['dhcp.offer', 'dhcp.ack', 'dhcp.proxy', 'dhcp.request', 'dhcp.inform']);

/**
 * Maps client IPs to MACs so TFTP, HTTP and NBD events — which only know the peer address —
 * land on the right client. Bounded (least recently learned dropped first) and expiring: an
 * address a DHCP server hands to another machine later must not stay attributed to the first.
 */
export class ClientIdentity {
  private readonly entries = new Map<string, IdentityEntry>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly readNeighbours: NeighbourSource;
  private readonly refreshMs: number;
  private neighbours = new Map<string, string>();
  private neighboursReadAt = Number.NEGATIVE_INFINITY;

  constructor(opts: ClientIdentityOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.ttlMs ?? 30 * 60_000;
    this.maxEntries = opts.maxEntries ?? 1024;
    this.readNeighbours = opts.neighbours ?? platformNeighbourSource();
    this.refreshMs = opts.neighbourRefreshMs ?? 1000;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records that `ip` belongs to `mac`. A mapping from a less trusted source does not replace
   * a live one from a more trusted source. Returns whether the table changed.
   */
  learn(ip: string, mac: string, source: IdentitySource, ttlMs = this.ttlMs): boolean {
    const norm = normalizeMac(mac);
    if (!norm || typeof ip !== 'string' || !IPV4_RE.test(ip) || ip === '0.0.0.0') return false;
    const now = this.now();
    const old = this.entries.get(ip);
    if (old && old.expiresAt > now && RANK[old.source] > RANK[source] && old.mac !== norm) return false;
    this.entries.delete(ip);
    this.entries.set(ip, { mac: norm, source, learnedAt: now, expiresAt: now + ttlMs });
    this.prune(now);
    return true;
  }

  forget(ip: string, mac?: string): void {
    const e = this.entries.get(ip);
    if (e && (!mac || e.mac === normalizeMac(mac))) this.entries.delete(ip);
  }

  clear(): void {
    this.entries.clear();
    this.neighbours.clear();
    this.neighboursReadAt = Number.NEGATIVE_INFINITY;
  }

  /** The learned mapping for `ip`, if any and not expired (neighbour table not consulted). */
  lookup(ip: string): IdentityEntry | undefined {
    const e = this.entries.get(ip);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(ip);
      return undefined;
    }
    return e;
  }

  /** The MAC for `ip`: learned mappings first, then the neighbour table (re-read when stale). */
  resolve(ip: string): string | undefined {
    if (typeof ip !== 'string') return undefined;
    const learned = this.lookup(ip);
    if (learned) return learned.mac;
    if (!IPV4_RE.test(ip)) return undefined;
    const now = this.now();
    if (!this.neighbours.has(ip) && now - this.neighboursReadAt >= this.refreshMs) this.refreshNeighbours(now);
    const mac = this.neighbours.get(ip);
    if (mac) this.learn(ip, mac, 'neighbour');
    return mac;
  }

  /** Learns what an event tells about IP ↔ MAC (DHCP exchanges, iPXE's `mac=` parameter). */
  learnFromEvent(event: TimelineEvent): void {
    const ip = event.ip;
    if (typeof ip !== 'string' || !ip) return;
    if (DHCP_LEARN_KINDS.has(event.kind)) {
      const mac = normalizeMac(event.client);
      if (!mac) return;
      const lease = event.kind === 'dhcp.ack' ? event.leaseSeconds : undefined;
      const ttl = lease !== undefined && lease > 0 ? lease * 1000 : this.ttlMs;
      this.learn(ip, mac, 'dhcp', ttl);
      return;
    }
    if (event.kind === 'dhcp.release') {
      this.forget(ip, normalizeMac(event.client));
      return;
    }
    const get = queryGetter(event);
    const mac = get && macFromQuery(get);
    if (mac) this.learn(ip, mac, 'ipxe');
  }

  /**
   * The event with `client` filled in when it has none: from its own query (iPXE says which
   * MAC it is), else from the table. Learns from the event first. Returns the same object when
   * nothing changes.
   */
  attribute(event: TimelineEvent): TimelineEvent {
    this.learnFromEvent(event);
    if (normalizeMac(event.client)) return event;
    const get = queryGetter(event);
    const mac = (get && macFromQuery(get)) ?? (typeof event.ip === 'string' && event.ip ? this.resolve(event.ip) : undefined);
    return mac ? { ...event, client: mac } : event;
  }

  private refreshNeighbours(now: number): void {
    this.neighboursReadAt = now;
    const next = new Map<string, string>();
    let entries: ReturnType<NeighbourSource> = [];
    try {
      entries = this.readNeighbours();
    } catch {
      // A failing reader only means no fallback: events stay unattributed.
    }
    for (const n of entries) next.set(n.ip, n.mac);
    this.neighbours = next;
  }

  private prune(now: number): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [ip, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(ip);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
