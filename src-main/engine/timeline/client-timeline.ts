import type { ClientDetail, ClientSummary } from '../../shared/api.ts';
import { Emitter } from '../../shared/emitter.ts';
import { normalizeMac } from '../../shared/mac.ts';
import { stallHint, type StallHint } from '../../shared/stall-hints.ts';
import type { DoneEvent, StalledEvent, TimelineEvent } from '../../shared/timeline-event.ts';
import { lookupMacVendor } from '../mac-vendor.ts';
import { BoundedEventList } from './bounded-event-list.ts';
import { freshTally, tallyEnded } from './boot-tally.ts';
import { applyEvent, isNetbootEvidence, recordEvent, significantKey, summaryOf, type ClientRecord } from './client-reducers.ts';
import { systemClock, type Clock } from './clock.ts';
import { DEFAULT_STALL_THRESHOLDS, freshAttempt, isResolved, nextExpectation, type StallThresholds } from './stall-rules.ts';
import { TransferTracker } from './transfer-tracker.ts';
import { UpdateThrottle } from './update-throttle.ts';

export interface ClientTimelineOptions {
  clock?: Clock;
  thresholds?: Partial<StallThresholds>;
  /** Clients kept; the least recently seen is evicted beyond this. */
  maxClients?: number;
  /** Events kept per client: the first `keepFirstEvents` and the latest up to this many. */
  maxEventsPerClient?: number;
  keepFirstEvents?: number;
  /** Minimum time between two 'updated' notifications for changes that are only progress. */
  updateIntervalMs?: number;
  /** MAC → NIC vendor name; the curated OUI table by default. */
  vendorOf?: (mac: string) => string | undefined;
  /** Attributes events that carry only an IP (TFTP/HTTP before the engine resolved them). */
  resolveMac?: (ip: string) => string | undefined;
}

export interface StalledNotice {
  summary: ClientSummary;
  hint: StallHint;
  /** The `client.stalled` event recorded on the client's timeline; the engine logs and forwards it. */
  event: StalledEvent;
}

export interface DoneNotice {
  summary: ClientSummary;
  /** The `client.done` event recorded on the client's timeline. */
  event: DoneEvent;
}

export interface ClientTimelineEvents {
  /** A client changed: at once for stage/stall/identity changes, rate-limited for progress. */
  updated: ClientSummary;
  stalled: StalledNotice;
  done: DoneNotice;
  /** A client was dropped to keep within `maxClients`. */
  evicted: { mac: string };
  cleared: void;
}


const NON_CLIENT_KINDS = new Set(['nat.changed', 'server.notice', 'server.warning']);

/**
 * The registry behind the client list and timelines: one record per MAC, fed with every
 * TimelineEvent the servers produce, bounded by eviction; timers on the injected clock decide
 * when an expected next step has not come (stall-rules.ts) and notifications are rate-limited.
 * How each event changes a record lives in client-reducers.ts.
 */
export class ClientTimeline {
  readonly events = new Emitter<ClientTimelineEvents>();
  readonly thresholds: StallThresholds;
  private readonly clock: Clock;
  private readonly clients = new Map<string, ClientRecord>();
  private readonly maxClients: number;
  private readonly maxEvents: number;
  private readonly keepFirst: number;
  private readonly vendorOf: (mac: string) => string | undefined;
  private readonly resolveMac?: (ip: string) => string | undefined;
  private readonly throttle: UpdateThrottle<string>;
  /** Last significant state sent per client, to tell significant changes from progress. */
  private readonly sentKeys = new Map<string, string>();
  private nextSeq = 0;
  private pending: { mac: string; summary: ClientSummary; key: string } | undefined;

  constructor(opts: ClientTimelineOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.thresholds = { ...DEFAULT_STALL_THRESHOLDS, ...opts.thresholds };
    this.maxClients = opts.maxClients ?? 256;
    this.maxEvents = opts.maxEventsPerClient ?? 500;
    this.keepFirst = opts.keepFirstEvents ?? Math.min(20, this.maxEvents - 1);
    this.vendorOf = opts.vendorOf ?? lookupMacVendor;
    this.resolveMac = opts.resolveMac;
    this.throttle = new UpdateThrottle(this.clock, opts.updateIntervalMs ?? 250, (mac) => this.sendUpdate(mac));
  }

  /**
   * Records one event. Returns the client's summary, or undefined when the event belongs to
   * no client (NAT, server warnings, an IP nobody could map to a MAC, DHCP we ignored from a
   * machine that is not network-booting).
   */
  ingest(event: TimelineEvent): ClientSummary | undefined {
    if (NON_CLIENT_KINDS.has(event.kind)) return undefined;
    const mac = normalizeMac(event.client) ?? (event.ip ? normalizeMac(this.resolveMac?.(event.ip)) : undefined);
    if (!mac) return undefined;
    let rec = this.clients.get(mac);
    // The timeline's own verdicts, fed back in, change nothing.
    if (event.kind === 'client.stalled' || (event.kind === 'client.done' && event.source === 'timeline')) return rec && this.summary(rec);
    const now = this.clock.now();
    const parsed = Date.parse(event.ts);
    const t = Number.isFinite(parsed) ? parsed : now;
    // A malformed time is replaced by the receipt time, so first/last seen always parse.
    if (t !== Date.parse(event.ts)) event = { ...event, ts: new Date(t).toISOString() };
    if (!rec) {
      if (!isNetbootEvidence(event)) return undefined;
      rec = this.create(mac, event, t);
    } else {
      // Map order is recency order: re-inserting makes this the most recently seen client.
      this.clients.delete(mac);
      this.clients.set(mac, rec);
    }
    applyEvent(rec, event, t, this.thresholds);
    recordEvent(rec, event, t);
    this.evaluate(rec);
    const summary = this.notify(rec);
    this.evictBeyondBound();
    return summary;
  }

  /** Every client, in order of first appearance. */
  list(): ClientSummary[] {
    return [...this.clients.values()].sort((a, b) => a.firstSeenT - b.firstSeenT || a.seq - b.seq).map((r) => this.summary(r));
  }

  get(mac: string): ClientDetail | null {
    const key = normalizeMac(mac);
    const rec = key ? this.clients.get(key) : undefined;
    return rec ? { ...this.summary(rec), events: rec.events.toArray() } : null;
  }

  clear(): void {
    for (const rec of this.clients.values()) this.cancelTimer(rec);
    this.clients.clear();
    this.sentKeys.clear();
    this.throttle.clear();
    this.events.emit('cleared', undefined);
  }

  /** Stops every timer (the engine is shutting down); the model stays readable. */
  dispose(): void {
    for (const rec of this.clients.values()) this.cancelTimer(rec);
    this.throttle.clear();
  }

  // ---- model updates -------------------------------------------------------------------

  private create(mac: string, event: TimelineEvent, t: number): ClientRecord {
    const rec: ClientRecord = {
      mac,
      seq: this.nextSeq++,
      firmware: 'unknown',
      ipxe: false,
      firstSeenT: t,
      firstSeen: event.ts,
      lastSeenT: t,
      lastSeen: event.ts,
      attempt: freshAttempt(t),
      tally: freshTally(t),
      sawDhcp: false,
      events: new BoundedEventList(this.maxEvents, this.keepFirst),
      transfers: new TransferTracker(),
    };
    const vendor = this.vendorOf(mac);
    if (vendor) rec.vendor = vendor;
    this.clients.set(mac, rec);
    return rec;
  }

  // ---- verdicts ------------------------------------------------------------------------

  private evaluate(rec: ClientRecord): void {
    const now = this.clock.now();
    const active = rec.transfers.active();
    const exp = nextExpectation(rec.attempt, active, this.thresholds, now);
    const due = exp !== undefined && exp.due <= now;

    if (rec.stall) {
      if (!isResolved(rec.stall.hint.code, rec.attempt, active, this.thresholds, now)) {
        // Still stuck; newer evidence (more discovers, the retry's own failure) may sharpen the hint.
        if (exp?.kind === 'stall' && due && exp.code !== rec.stall.hint.code) this.markStalled(rec, stallHint(exp.code, exp.params), now);
        return this.schedule(rec, exp, now);
      }
      rec.stall = undefined;
    }

    if (exp && due) {
      if (exp.kind === 'stall') this.markStalled(rec, stallHint(exp.code, exp.params), now);
      else this.markDone(rec, now);
    }
    this.schedule(rec, due ? undefined : exp, now);
  }

  /**
   * Arms the client's timer for the next deadline. Progress moves the deadline on every
   * event, so an armed timer that falls earlier is kept rather than replaced (one timer
   * operation per deadline, not per event): when it fires it re-evaluates and re-arms.
   */
  private schedule(rec: ClientRecord, exp: ReturnType<typeof nextExpectation>, now: number): void {
    if (!exp || exp.due <= now) return this.cancelTimer(rec);
    if (rec.timer && rec.timerDue !== undefined && rec.timerDue <= exp.due && rec.timerDue > now) return;
    this.cancelTimer(rec);
    rec.timerDue = exp.due;
    rec.timer = this.clock.setTimer(() => {
      rec.timer = undefined;
      rec.timerDue = undefined;
      if (this.clients.get(rec.mac) !== rec) return;
      this.evaluate(rec);
      if (significantKey(rec) !== this.sentKeys.get(rec.mac)) this.notify(rec);
    }, exp.due - now);
  }

  private markStalled(rec: ClientRecord, hint: StallHint, now: number): void {
    const lastStage = rec.attempt.stage;
    rec.stall = { hint, lastStage };
    const event: StalledEvent = {
      ts: new Date(now).toISOString(),
      kind: 'client.stalled',
      client: rec.mac,
      ...(rec.ip ? { ip: rec.ip } : {}),
      code: hint.code,
      hint: hint.text,
      params: hint.params,
      lastStage,
      source: 'timeline',
    };
    rec.events.push(event, now);
    this.events.emit('stalled', { summary: this.summary(rec), hint, event });
  }

  private markDone(rec: ClientRecord, now: number): void {
    rec.attempt.stage = 'done';
    // The quiet that made the verdict is not part of the boot.
    tallyEnded(rec.tally, rec.attempt.lastEventAt);
    const event: DoneEvent = {
      ts: new Date(now).toISOString(),
      kind: 'client.done',
      client: rec.mac,
      ...(rec.ip ? { ip: rec.ip } : {}),
      reason: 'quiet',
      source: 'timeline',
    };
    rec.events.push(event, now);
    this.events.emit('done', { summary: this.summary(rec), event });
  }

  // ---- notifications and bounds ----------------------------------------------------------

  /** Notifies about the client (at once or rate-limited); returns its current summary. */
  private notify(rec: ClientRecord): ClientSummary {
    const summary = this.summary(rec);
    const key = significantKey(rec);
    if (key !== this.sentKeys.get(rec.mac)) {
      this.pending = { mac: rec.mac, summary, key };
      this.throttle.immediate(rec.mac);
      this.pending = undefined;
    } else {
      this.throttle.minor(rec.mac);
    }
    return summary;
  }

  private sendUpdate(mac: string): void {
    const rec = this.clients.get(mac);
    if (!rec) return;
    // A send triggered from notify() reuses the summary it just built.
    const fresh = this.pending?.mac === mac ? this.pending : undefined;
    const summary = fresh?.summary ?? this.summary(rec);
    this.sentKeys.set(mac, fresh?.key ?? significantKey(rec));
    this.events.emit('updated', summary);
  }

  private evictBeyondBound(): void {
    while (this.clients.size > this.maxClients) {
      const [mac, rec] = this.clients.entries().next().value as [string, ClientRecord];
      this.cancelTimer(rec);
      this.clients.delete(mac);
      this.sentKeys.delete(mac);
      this.throttle.forget(mac);
      this.events.emit('evicted', { mac });
    }
  }

  private cancelTimer(rec: ClientRecord): void {
    if (rec.timer) this.clock.clearTimer(rec.timer);
    rec.timer = undefined;
    rec.timerDue = undefined;
  }

  private summary(rec: ClientRecord): ClientSummary {
    return summaryOf(rec);
  }
}
