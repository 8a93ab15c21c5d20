import type { ClientDetail, ClientStage, ClientSummary, Firmware } from '../../shared/api.ts';
import { Emitter } from '../../shared/emitter.ts';
import { stallHint, type StallHint } from '../../shared/stall-hints.ts';
import type { TimelineEvent } from '../../shared/timeline-event.ts';
import { lookupMacVendor } from '../mac-vendor.ts';
import { BoundedEventList } from './bounded-event-list.ts';
import { archCodeFromVendorClass, archFromCode, firmwareFromPlatform, firmwareFromString } from './client-arch.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { bool, canonicalMac, eventTime, isPxe, isRanged, num, queryParam, roleOf, str, type FileRole } from './event-details.ts';
import { guessFileRole } from './file-roles.ts';
import {
  DEFAULT_STALL_THRESHOLDS,
  STAGE_ORDER,
  freshAttempt,
  isResolved,
  nextExpectation,
  type AttemptState,
  type ProgressStage,
  type StallThresholds,
} from './stall-rules.ts';
import { TransferTracker, type TransferProtocol, type TransferUpdate } from './transfer-tracker.ts';
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
  event: TimelineEvent;
}

export interface DoneNotice {
  summary: ClientSummary;
  /** The `client.done` event recorded on the client's timeline. */
  event: TimelineEvent;
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

/** Marks events the timeline generated itself, so feeding them back in is harmless. */
const GENERATED = 'timeline';

const NON_CLIENT_KINDS = new Set(['nat.changed', 'server.warning']);
const DHCP_ANSWERS = new Set(['dhcp.offer', 'dhcp.ack', 'dhcp.proxy']);

interface ClientRecord {
  mac: string;
  /** Creation order, to list clients first seen at the same instant stably. */
  seq: number;
  ip?: string;
  vendor?: string;
  arch?: string;
  firmware: Firmware;
  ipxe: boolean;
  image?: string;
  firstSeenT: number;
  firstSeen: string;
  lastSeenT: number;
  lastSeen: string;
  attempt: AttemptState;
  /** Whether this boot attempt's first DHCP has been seen (decides the native-iPXE flag). */
  sawDhcp: boolean;
  lastDhcpIpxe?: boolean;
  stall?: { hint: StallHint; lastStage: ProgressStage };
  events: BoundedEventList;
  transfers: TransferTracker;
  timer?: TimerHandle;
  /** When the pending timer fires. A later deadline keeps it: it re-evaluates and re-arms. */
  timerDue?: number;
}

/**
 * The per-client model behind the client list and timelines: one record per MAC, fed with
 * every TimelineEvent the servers produce. It works out each client's stage, its transfers,
 * and — with timers on the injected clock — when an expected next step has not come and what
 * that most likely means. See stall-rules.ts for the verdicts and event-details.ts for the
 * event fields it reads.
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
    if (typeof event?.kind !== 'string' || !event.kind.includes('.') || NON_CLIENT_KINDS.has(event.kind)) return undefined;
    const mac = canonicalMac(event.client) ?? (event.ip ? canonicalMac(this.resolveMac?.(event.ip)) : undefined);
    if (!mac) return undefined;
    let rec = this.clients.get(mac);
    if (event['source'] === GENERATED) return rec && this.summary(rec);
    const now = this.clock.now();
    const t = eventTime(event, now);
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
    this.apply(rec, event, t);
    this.record(rec, event, t);
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
    const key = canonicalMac(mac);
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
      sawDhcp: false,
      events: new BoundedEventList(this.maxEvents, this.keepFirst),
      transfers: new TransferTracker(),
    };
    const vendor = this.vendorOf(mac);
    if (vendor) rec.vendor = vendor;
    this.clients.set(mac, rec);
    return rec;
  }

  /** Applies one event to the record: identity fields, stage, transfers, what the attempt waits for. */
  private apply(rec: ClientRecord, ev: TimelineEvent, t: number): void {
    if (t < rec.firstSeenT) Object.assign(rec, { firstSeenT: t, firstSeen: ev.ts });
    if (t >= rec.lastSeenT) Object.assign(rec, { lastSeenT: t, lastSeen: ev.ts });
    if (ev.ip) rec.ip = ev.ip;
    const image = str(ev, 'image');
    if (image) rec.image = image;
    this.applyArch(rec, ev);

    const a = rec.attempt;
    a.lastEventAt = Math.max(a.lastEventAt, t);
    const kind = ev.kind;
    const family = kind.slice(0, kind.indexOf('.'));

    if (family === 'dhcp') return this.applyDhcp(rec, ev, t);
    if (family === 'tftp' || family === 'http') return this.applyTransfer(rec, ev, t, family);

    switch (kind) {
      case 'nbd.connect':
        a.failure = undefined;
        this.advance(rec, 'live');
        return;
      case 'nbd.error': {
        const failure: NonNullable<AttemptState['failure']> = { at: t };
        const name = str(ev, 'export');
        const error = str(ev, 'error') ?? str(ev, 'message');
        if (name) failure.path = `nbd:${name}`;
        if (error) failure.error = error;
        a.failure = failure;
        return;
      }
      case 'nbd.disconnect': {
        const bytes = num(ev, 'bytes');
        if (bytes !== undefined) {
          const u: TransferUpdate = { protocol: 'nbd', path: str(ev, 'export') ?? str(ev, 'path') ?? 'nbd', t, bytes };
          const d = num(ev, 'durationMs');
          if (d !== undefined) u.durationMs = d;
          rec.transfers.done(u);
        }
        return;
      }
      case 'boot.script':
        this.applyScript(rec, ev, t);
        return;
      case 'client.done':
        a.stage = 'done';
        return;
      default:
        return;
    }
  }

  private applyArch(rec: ClientRecord, ev: TimelineEvent): void {
    const code = num(ev, 'arch') ?? archCodeFromVendorClass(str(ev, 'vendorClass') ?? '');
    const info = code !== undefined ? archFromCode(code) : undefined;
    if (info) {
      rec.arch = info.arch;
      rec.firmware = info.firmware;
    }
    const archText = str(ev, 'arch') ?? str(ev, 'buildarch') ?? queryParam(ev, 'arch') ?? queryParam(ev, 'buildarch');
    // iPXE's ${buildarch} names the iPXE build (i386 for undionly even on x86_64 CPUs), so the
    // firmware's own option 93 wins when both are known.
    if (archText && !info && !rec.arch) rec.arch = archText;
    const fw = firmwareFromString(str(ev, 'firmware') ?? '') ?? firmwareFromPlatform(str(ev, 'platform') ?? queryParam(ev, 'platform') ?? '');
    if (fw) rec.firmware = fw;
  }

  private applyDhcp(rec: ClientRecord, ev: TimelineEvent, t: number): void {
    // We do not know what an ignored packet was; it only shows on the timeline.
    if (ev.kind === 'dhcp.ignored') return;
    const a = rec.attempt;
    const pxe = isPxe(ev);
    const ipxeFlag = bool(ev, 'ipxe');
    const fromClient = !DHCP_ANSWERS.has(ev.kind) && ev.kind !== 'dhcp.nak';
    if (fromClient && (ipxeFlag !== undefined || pxe === false)) rec.lastDhcpIpxe = ipxeFlag ?? false;
    const ipxe = ipxeFlag ?? rec.lastDhcpIpxe ?? false;
    const order = STAGE_ORDER[a.stage];

    // A fresh DISCOVER from boot firmware after the boot moved on is the machine starting
    // over (reboot, or the technician pressed F12 again): a new attempt on the same record.
    // iPXE itself re-runs DHCP while in the ipxe stage, so only a later iPXE discover counts.
    if (ev.kind === 'dhcp.discover' && pxe === true && order >= (ipxe ? STAGE_ORDER.kernel : STAGE_ORDER.ipxe)) {
      rec.attempt = freshAttempt(t);
      rec.transfers.clear();
      rec.stall = undefined;
      rec.sawDhcp = true;
      rec.ipxe = ipxe;
      return;
    }

    // DHCP from the booted system (not PXE firmware, not iPXE, which the kernel replaced):
    // its network driver works.
    if (order >= STAGE_ORDER.kernel) {
      if (pxe !== true && ipxeFlag !== true) a.liveDhcpSeen = true;
      return;
    }

    if (!rec.sawDhcp && fromClient) {
      rec.sawDhcp = true;
      // Native iPXE firmware (e.g. QEMU's iPXE option ROM) needs no first-stage loader.
      rec.ipxe = ipxe && order === STAGE_ORDER.dhcp;
    }
    // iPXE asking for an address after the loader was sent: the chain worked.
    if (ipxe && a.stage === 'firstStage') this.advance(rec, 'ipxe');
    // The firmware itself asking again after the whole loader was sent, iPXE never heard from:
    // the firmware refused to run it (UEFI Secure Boot and an unsigned loader, typically).
    if (!ipxe && ev.kind === 'dhcp.discover' && a.stage === 'firstStage' && a.loaderDoneAt !== undefined) a.loaderRefusedAt ??= t;

    if (DHCP_ANSWERS.has(ev.kind) && pxe !== false) {
      if (a.answeredAt === undefined) {
        a.answeredAt = t;
        a.requestsSinceAnswer = 0;
        a.discoversSinceAnswer = 0;
        a.discoverLimitAt = undefined;
      }
      a.answeredIpxe = ipxe;
    } else if (a.answeredAt !== undefined && ev.kind === 'dhcp.discover') {
      a.discoversSinceAnswer++;
      if (a.requestsSinceAnswer === 0 && a.discoversSinceAnswer >= this.thresholds.discoverRepeatLimit) a.discoverLimitAt ??= t;
    } else if (a.answeredAt !== undefined && ev.kind === 'dhcp.request') {
      a.requestsSinceAnswer++;
    }
  }

  private applyTransfer(rec: ClientRecord, ev: TimelineEvent, t: number, protocol: TransferProtocol): void {
    const a = rec.attempt;
    const path = str(ev, 'path') ?? '';
    const role: FileRole = roleOf(ev) ?? guessFileRole(path);
    const u: TransferUpdate = { protocol, path, t, ranged: protocol === 'http' && isRanged(ev) };
    const bytes = num(ev, 'bytes');
    const total = num(ev, 'total');
    const durationMs = num(ev, 'durationMs');
    const transferId = ev['transferId'];
    if (bytes !== undefined) u.bytes = bytes;
    if (total !== undefined) u.total = total;
    if (durationMs !== undefined) u.durationMs = durationMs;
    if (typeof transferId === 'string' || typeof transferId === 'number') u.transferId = String(transferId);

    const phase = ev.kind.slice(ev.kind.indexOf('.') + 1);
    const status = num(ev, 'status');
    // A done that did not deliver the file: an HTTP error status, or an outcome other than
    // complete (the servers' aborted/timed-out/…; also TFTP's tsize probe, which the client
    // follows with the real request at once — if it does not, that is worth a verdict).
    const outcome = str(ev, 'outcome');
    const undelivered = (status !== undefined && status >= 400) || (outcome !== undefined && outcome !== 'complete');
    if (phase === 'error' || (phase === 'done' && undelivered)) {
      rec.transfers.fail(u);
      const failure: NonNullable<AttemptState['failure']> = { at: t };
      if (path) failure.path = path;
      const error =
        str(ev, 'error') ?? str(ev, 'message') ?? str(ev, 'detail') ?? (status !== undefined && status >= 400 ? `HTTP ${status}` : outcome);
      if (error) failure.error = error;
      a.failure = failure;
      return;
    }

    // Any file request means the client got past DHCP.
    a.answeredAt = undefined;
    a.failure = undefined;
    // PXE firmware only speaks TFTP: an HTTP request after the loader comes from iPXE.
    if (protocol === 'http' && a.stage === 'firstStage') this.advance(rec, 'ipxe');
    switch (role) {
      case 'loader':
        // Another loader than the refused one (the signed chain's shim): a new first stage.
        if (a.loaderRefusedAt !== undefined && path !== a.loaderPath) {
          a.loaderRefusedAt = undefined;
          a.loaderDoneAt = undefined;
        }
        this.advance(rec, 'firstStage');
        break;
      case 'script':
        this.advance(rec, 'ipxe');
        break;
      case 'kernel':
      case 'initrd':
        a.sawKernelFile = true;
        this.advance(rec, 'kernel');
        break;
      case 'rootfs':
        this.advance(rec, 'live');
        break;
      case 'iso':
        // The whole ISO after a kernel is the live system's root (casper url=, live-boot
        // fetch=); without one, iPXE is sanbooting the image.
        this.advance(rec, a.sawKernelFile ? 'live' : 'kernel');
        break;
      default:
        break;
    }

    if (phase === 'start') rec.transfers.start(u);
    else if (phase === 'progress') rec.transfers.progress(u);
    else if (phase === 'done') {
      rec.transfers.done(u);
      if (role === 'loader' && a.stage === 'firstStage') {
        a.loaderDoneAt ??= t;
        a.loaderPath = path;
      } else if (role === 'script') {
        a.scriptAt ??= t;
      } else if ((role === 'kernel' || role === 'initrd' || role === 'iso') && a.stage === 'kernel') {
        // An ISO read in the kernel stage is iPXE sanbooting it: the image is the whole OS loader.
        a.kernelDoneAt = t;
      }
    }
  }

  private applyScript(rec: ClientRecord, ev: TimelineEvent, t: number): void {
    const a = rec.attempt;
    a.answeredAt = undefined;
    a.failure = undefined;
    this.advance(rec, 'ipxe');
    a.scriptAt ??= t;
    const menu = num(ev, 'menuTimeoutSec');
    if (menu !== undefined) a.menuTimeoutMs = Math.max(0, menu) * 1000;
    const expectsLive = bool(ev, 'expectsLive');
    const via = str(ev, 'via');
    if (expectsLive !== undefined) a.expectsLive = expectsLive;
    else if (via) a.expectsLive = via === 'http' || via === 'nbd';
  }

  /** Moves the stage forward (never back) and forgets what the earlier stages waited for. */
  private advance(rec: ClientRecord, stage: ProgressStage): boolean {
    const a = rec.attempt;
    if (STAGE_ORDER[stage] <= STAGE_ORDER[a.stage]) return false;
    a.stage = stage;
    const order = STAGE_ORDER[stage];
    if (order >= STAGE_ORDER.ipxe) {
      a.loaderDoneAt = undefined;
      a.loaderRefusedAt = undefined;
    }
    if (order >= STAGE_ORDER.kernel) a.scriptAt = undefined;
    if (order >= STAGE_ORDER.live) a.kernelDoneAt = undefined;
    return true;
  }

  /** Appends to the client's list, folding runs of progress and ranged reads into their latest. */
  private record(rec: ClientRecord, ev: TimelineEvent, t: number): void {
    const last = rec.events.last;
    if (last && ev.kind.endsWith('.progress') && last.kind === ev.kind && sameTransfer(last, ev)) {
      return rec.events.replaceLast(ev, t);
    }
    const prev = rec.events.beforeLast;
    if (last && prev && isRanged(ev) && isRanged(last) && isRanged(prev) && sameFile(last, ev) && sameFile(prev, ev)) {
      return rec.events.replaceLast(ev, t);
    }
    rec.events.push(ev, t);
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
    const event: TimelineEvent = {
      ts: new Date(now).toISOString(),
      kind: 'client.stalled',
      client: rec.mac,
      ...(rec.ip ? { ip: rec.ip } : {}),
      code: hint.code,
      hint: hint.text,
      params: hint.params,
      lastStage,
      source: GENERATED,
    };
    rec.events.push(event, now);
    this.events.emit('stalled', { summary: this.summary(rec), hint, event });
  }

  private markDone(rec: ClientRecord, now: number): void {
    rec.attempt.stage = 'done';
    const event: TimelineEvent = {
      ts: new Date(now).toISOString(),
      kind: 'client.done',
      client: rec.mac,
      ...(rec.ip ? { ip: rec.ip } : {}),
      reason: 'quiet',
      source: GENERATED,
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
    const stage: ClientStage = rec.stall ? 'stalled' : rec.attempt.stage;
    const s: ClientSummary = {
      mac: rec.mac,
      firmware: rec.firmware,
      ipxe: rec.ipxe,
      stage,
      firstSeen: rec.firstSeen,
      lastSeen: rec.lastSeen,
      eventCount: rec.events.total,
    };
    if (rec.ip) s.ip = rec.ip;
    if (rec.vendor) s.vendor = rec.vendor;
    if (rec.arch) s.arch = rec.arch;
    if (rec.image) s.image = rec.image;
    if (rec.stall) {
      s.lastStage = rec.stall.lastStage;
      s.stalledHint = rec.stall.hint.text;
      s.stalledCode = rec.stall.hint.code;
      s.stalledParams = rec.stall.hint.params;
    }
    const progress = rec.transfers.current();
    if (progress) s.progress = progress;
    return s;
  }
}

/**
 * Whether an event shows a machine network-booting (so it earns a row). DHCP we ignored, or
 * DHCP from a machine that is not PXE firmware, only adds to clients already known: in proxy
 * mode every laptop and phone on the LAN broadcasts DHCP.
 */
function isNetbootEvidence(ev: TimelineEvent): boolean {
  if (ev.kind === 'dhcp.ignored' || ev.kind === 'client.stalled') return false;
  if (ev.kind.startsWith('dhcp.')) return isPxe(ev) !== false || bool(ev, 'ipxe') === true;
  return true;
}

/** Same request (progress folding): same path and, when the server numbers requests, same id. */
function sameTransfer(a: TimelineEvent, b: TimelineEvent): boolean {
  return a['path'] === b['path'] && a['transferId'] === b['transferId'] && a.kind.split('.')[0] === b.kind.split('.')[0];
}

/** Same file (ranged-read folding): every range request has its own id. */
function sameFile(a: TimelineEvent, b: TimelineEvent): boolean {
  return a['path'] === b['path'] && a.kind.split('.')[0] === b.kind.split('.')[0];
}

/**
 * Everything the list shows except what moves continuously (bytes, rate, last seen, event
 * count): a change here is sent at once. Built from the record, not a summary, since it is
 * computed for every event.
 */
function significantKey(rec: ClientRecord): string {
  const stall = rec.stall ? `${rec.stall.hint.code}@${rec.stall.lastStage}` : '';
  return `${rec.ip}|${rec.vendor}|${rec.arch}|${rec.firmware}|${rec.ipxe}|${rec.image}|${rec.attempt.stage}|${stall}|${rec.transfers.currentPath()}`;
}
