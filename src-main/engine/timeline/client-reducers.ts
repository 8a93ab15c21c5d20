import type { ClientStage, ClientSummary } from '../../shared/api.ts';
import type { StallHint } from '../../shared/stall-hints.ts';
import {
  isDhcpStep,
  isTransferStep,
  kindFamily,
  type BootScriptEvent,
  type DhcpStepEvent,
  type FileRole,
  type TimelineEvent,
  type TransferStepEvent,
} from '../../shared/timeline-event.ts';
import { transferFileRole } from '../../iso/boot-relevant-files.ts';
import { architecture, firmwareFromPlatform } from '../../pxe/architectures.ts';
import type { BoundedEventList } from './bounded-event-list.ts';
import { bootFigures, freshTally, tallyDelivered, tallyEnded, type BootTally } from './boot-tally.ts';
import { STAGE_ORDER, freshAttempt, type AttemptState, type ProgressStage, type StallThresholds } from './stall-rules.ts';
import type { TransferProtocol, TransferTracker, TransferUpdate } from './transfer-tracker.ts';
import type { TimerHandle } from './clock.ts';

/**
 * The per-event reducers of the client timeline: how one typed event changes one client's
 * record (identity, stage, transfers, what the attempt waits for), and the record's summary.
 * Pure functions of the record; the registry (client-timeline.ts) owns timers and notifications.
 */
export interface ClientRecord extends Pick<ClientSummary, 'mac' | 'ip' | 'vendor' | 'arch' | 'firmware' | 'ipxe' | 'image' | 'plan'> {
  /** Creation order, to list clients first seen at the same instant stably. */
  seq: number;
  firstSeenT: number;
  firstSeen: string;
  lastSeenT: number;
  lastSeen: string;
  attempt: AttemptState;
  /** What this attempt delivered and when (reset with the attempt). */
  tally: BootTally;
  /** Whether this boot attempt's first DHCP has been seen (decides the native-iPXE flag). */
  sawDhcp: boolean;
  stall?: { hint: StallHint; lastStage: ProgressStage };
  events: BoundedEventList;
  transfers: TransferTracker;
  timer?: TimerHandle;
  /** When the pending timer fires. A later deadline keeps it: it re-evaluates and re-arms. */
  timerDue?: number;
}

const DHCP_ANSWERS = new Set(['dhcp.offer', 'dhcp.ack', 'dhcp.proxy']);

/** Applies one event to the record: identity fields, stage, transfers, what the attempt waits for. */
export function applyEvent(rec: ClientRecord, ev: TimelineEvent, t: number, th: StallThresholds): void {
  if (t < rec.firstSeenT) Object.assign(rec, { firstSeenT: t, firstSeen: ev.ts });
  if (t >= rec.lastSeenT) Object.assign(rec, { lastSeenT: t, lastSeen: ev.ts });
  if (ev.ip) rec.ip = ev.ip;
  if ((isTransferStep(ev) || ev.kind === 'boot.script') && ev.image) rec.image = ev.image;
  applyArch(rec, ev);

  const a = rec.attempt;
  a.lastEventAt = Math.max(a.lastEventAt, t);
  if (isDhcpStep(ev)) return applyDhcp(rec, ev, t, th);
  if (isTransferStep(ev)) return applyTransfer(rec, ev, t);

  switch (ev.kind) {
    case 'nbd.connect':
      a.failure = undefined;
      advance(rec, 'live');
      return;
    case 'nbd.error': {
      const failure: NonNullable<AttemptState['failure']> = { at: t };
      if (ev.export) failure.path = `nbd:${ev.export}`;
      if (ev.error) failure.error = ev.error;
      a.failure = failure;
      return;
    }
    case 'nbd.disconnect':
      if (ev.bytes !== undefined) {
        tallyDelivered(rec.tally, ev.bytes, t, ev.durationMs);
        const u: TransferUpdate = { protocol: 'nbd', path: ev.export ?? 'nbd', t, bytes: ev.bytes };
        if (ev.durationMs !== undefined) u.durationMs = ev.durationMs;
        rec.transfers.done(u);
      }
      return;
    case 'boot.script':
      applyScript(rec, ev, t);
      return;
    case 'client.done':
      a.stage = 'done';
      tallyEnded(rec.tally, t);
      return;
    default:
      return;
  }
}

/**
 * Architecture and firmware: DHCP carries the classifier's verdict (option 93 through the one
 * architecture table); iPXE's script request says ${platform} and ${buildarch}. iPXE's
 * buildarch names the iPXE build (i386 for undionly even on x86_64 CPUs), so the firmware's
 * own option 93 wins when both are known.
 */
function applyArch(rec: ClientRecord, ev: TimelineEvent): void {
  let platform: string | undefined;
  let buildarch: string | undefined;
  if (isDhcpStep(ev)) {
    const known = architecture(ev.arch);
    if (known) rec.arch = known.cpu;
    const firmware = ev.firmware ?? known?.firmware;
    if (firmware && firmware !== 'unknown') rec.firmware = firmware;
    return;
  }
  if (ev.kind === 'boot.script') ({ platform, buildarch } = ev);
  else if (isTransferStep(ev) && ev.query) ({ platform, arch: buildarch } = ev.query);
  if (buildarch && !rec.arch) rec.arch = buildarch;
  const fw = firmwareFromPlatform(platform);
  if (fw) rec.firmware = fw;
}

function applyDhcp(rec: ClientRecord, ev: DhcpStepEvent, t: number, th: StallThresholds): void {
  // We do not know what an ignored packet was; it only shows on the timeline.
  if (ev.kind === 'dhcp.ignored') return;
  const a = rec.attempt;
  const { pxe, ipxe } = ev;
  const order = STAGE_ORDER[a.stage];

  // A fresh DISCOVER from boot firmware after the boot moved on is the machine starting
  // over (reboot, or the technician pressed F12 again): a new attempt on the same record.
  // iPXE itself re-runs DHCP while in the ipxe stage, so only a later iPXE discover counts.
  if (ev.kind === 'dhcp.discover' && pxe && order >= (ipxe ? STAGE_ORDER.kernel : STAGE_ORDER.ipxe)) {
    rec.attempt = freshAttempt(t);
    rec.tally = freshTally(t);
    rec.transfers.clear();
    rec.stall = undefined;
    rec.sawDhcp = true;
    rec.ipxe = ipxe;
    return;
  }

  // DHCP from the booted system (not PXE firmware, not iPXE, which the kernel replaced):
  // its network driver works.
  if (order >= STAGE_ORDER.kernel) {
    if (!pxe && !ipxe) a.liveDhcpSeen = true;
    return;
  }

  const fromClient = !DHCP_ANSWERS.has(ev.kind) && ev.kind !== 'dhcp.nak';
  if (!rec.sawDhcp && fromClient) {
    rec.sawDhcp = true;
    // Native iPXE firmware (e.g. QEMU's iPXE option ROM) needs no first-stage loader.
    rec.ipxe = ipxe && order === STAGE_ORDER.dhcp;
  }
  // iPXE asking for an address after the loader was sent: the chain worked.
  if (ipxe && a.stage === 'firstStage') advance(rec, 'ipxe');
  // The firmware itself asking again after the whole loader was sent, iPXE never heard from:
  // the firmware refused to run it (UEFI Secure Boot and an unsigned loader, typically).
  if (!ipxe && ev.kind === 'dhcp.discover' && a.stage === 'firstStage' && a.loaderDoneAt !== undefined) a.loaderRefusedAt ??= t;

  if (DHCP_ANSWERS.has(ev.kind) && pxe) {
    if (a.answeredAt === undefined) {
      a.answeredAt = t;
      a.requestsSinceAnswer = 0;
      a.discoversSinceAnswer = 0;
      a.discoverLimitAt = undefined;
    }
    a.answeredIpxe = ipxe;
  } else if (a.answeredAt !== undefined && ev.kind === 'dhcp.discover') {
    a.discoversSinceAnswer++;
    if (a.requestsSinceAnswer === 0 && a.discoversSinceAnswer >= th.discoverRepeatLimit) a.discoverLimitAt ??= t;
  } else if (a.answeredAt !== undefined && ev.kind === 'dhcp.request') {
    a.requestsSinceAnswer++;
  }
}

function applyTransfer(rec: ClientRecord, ev: TransferStepEvent, t: number): void {
  const a = rec.attempt;
  const protocol = kindFamily(ev.kind) as TransferProtocol;
  const { path } = ev;
  const role: FileRole = ev.role ?? transferFileRole(path);
  const u: TransferUpdate = { protocol, path, t, ranged: protocol === 'http' && ev.range !== undefined };
  if (ev.bytes !== undefined) u.bytes = ev.bytes;
  if (ev.total !== undefined) u.total = ev.total;
  if (ev.durationMs !== undefined) u.durationMs = ev.durationMs;
  if (ev.transferId !== undefined) u.transferId = ev.transferId;

  const phase = ev.kind.slice(ev.kind.indexOf('.') + 1);
  const { status, outcome } = ev;
  // A done that did not deliver the file: an HTTP error status, or an outcome other than
  // complete (the servers' aborted/timed-out/…; also TFTP's tsize probe, which the client
  // follows with the real request at once — if it does not, that is worth a verdict).
  const undelivered = (status !== undefined && status >= 400) || (outcome !== undefined && outcome !== 'complete');
  if (phase === 'error' || (phase === 'done' && undelivered)) {
    rec.transfers.fail(u);
    const failure: NonNullable<AttemptState['failure']> = { at: t };
    if (path) failure.path = path;
    const error = ev.error || ev.detail || (status !== undefined && status >= 400 ? `HTTP ${status}` : outcome);
    if (error) failure.error = error;
    a.failure = failure;
    return;
  }

  // Any file request means the client got past DHCP.
  a.answeredAt = undefined;
  a.failure = undefined;
  // PXE firmware only speaks TFTP: an HTTP request after the loader comes from iPXE.
  if (protocol === 'http' && a.stage === 'firstStage') advance(rec, 'ipxe');
  switch (role) {
    case 'loader':
      // Another loader than the refused one (the signed chain's shim): a new first stage.
      if (a.loaderRefusedAt !== undefined && path !== a.loaderPath) {
        a.loaderRefusedAt = undefined;
        a.loaderDoneAt = undefined;
      }
      advance(rec, 'firstStage');
      break;
    case 'script':
      advance(rec, 'ipxe');
      break;
    case 'kernel':
    case 'initrd':
      a.sawKernelFile = true;
      advance(rec, 'kernel');
      break;
    case 'rootfs':
      advance(rec, 'live');
      break;
    case 'iso':
      // The whole ISO after a kernel is the live system's root (casper url=, live-boot
      // fetch=); without one, iPXE is sanbooting the image.
      advance(rec, a.sawKernelFile ? 'live' : 'kernel');
      break;
    default:
      break;
  }

  if (phase === 'start') rec.transfers.start(u);
  else if (phase === 'progress') rec.transfers.progress(u);
  else if (phase === 'done') {
    rec.transfers.done(u);
    if (ev.bytes !== undefined) tallyDelivered(rec.tally, ev.bytes, t, ev.durationMs);
    if (role === 'loader' && a.stage === 'firstStage') {
      a.loaderDoneAt ??= t;
      a.loaderPath = path;
    } else if (role === 'script') {
      a.scriptAt ??= t;
    } else if ((role === 'kernel' || role === 'initrd' || role === 'iso') && a.stage === 'kernel') {
      // An ISO read in the kernel stage is iPXE sanbooting it: the image is the whole OS loader.
      a.kernelDoneAt = t;
    }
    // A file fetched by the booted system itself (it did its own DHCP): it is running and
    // reaching the server, whatever its root is called (archiso's checksum, a test marker).
    if (a.stage === 'kernel' && a.liveDhcpSeen) advance(rec, 'live');
  }
}

function applyScript(rec: ClientRecord, ev: BootScriptEvent, t: number): void {
  const a = rec.attempt;
  a.answeredAt = undefined;
  a.failure = undefined;
  advance(rec, 'ipxe');
  a.scriptAt ??= t;
  if (ev.plan) rec.plan = ev.plan;
  if (ev.menuTimeoutSec !== undefined) a.menuTimeoutMs = Math.max(0, ev.menuTimeoutSec) * 1000;
  if (ev.expectsLive !== undefined) a.expectsLive = ev.expectsLive;
  else if (ev.via) a.expectsLive = ev.via === 'http' || ev.via === 'nbd';
}

/** Moves the stage forward (never back) and forgets what the earlier stages waited for. */
export function advance(rec: ClientRecord, stage: ProgressStage): boolean {
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
export function recordEvent(rec: ClientRecord, ev: TimelineEvent, t: number): void {
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

/**
 * Whether an event shows a machine network-booting (so it earns a row). DHCP we ignored, or
 * DHCP from a machine that is not PXE firmware, only adds to clients already known: in proxy
 * mode every laptop and phone on the LAN broadcasts DHCP.
 */
export function isNetbootEvidence(ev: TimelineEvent): boolean {
  if (ev.kind === 'dhcp.ignored' || ev.kind === 'client.stalled') return false;
  if (isDhcpStep(ev)) return ev.pxe || ev.ipxe;
  return true;
}

/** An HTTP request for part of a file (iPXE sanboot reads an ISO in many small ranges). */
function isRanged(ev: TimelineEvent): boolean {
  return isTransferStep(ev) && ev.range !== undefined;
}

/** Same request (progress folding): same path and, when the server numbers requests, same id. */
function sameTransfer(a: TimelineEvent, b: TimelineEvent): boolean {
  return isTransferStep(a) && isTransferStep(b) && a.path === b.path && a.transferId === b.transferId && kindFamily(a.kind) === kindFamily(b.kind);
}

/** Same file (ranged-read folding): every range request has its own id. */
function sameFile(a: TimelineEvent, b: TimelineEvent): boolean {
  return isTransferStep(a) && isTransferStep(b) && a.path === b.path && kindFamily(a.kind) === kindFamily(b.kind);
}

/**
 * Everything the list shows except what moves continuously (bytes, rate, last seen, event
 * count): a change here is sent at once. Built from the record, not a summary, since it is
 * computed for every event.
 */
export function significantKey(rec: ClientRecord): string {
  const stall = rec.stall ? `${rec.stall.hint.code}@${rec.stall.lastStage}` : '';
  return `${rec.ip}|${rec.vendor}|${rec.arch}|${rec.firmware}|${rec.ipxe}|${rec.image}|${rec.plan}|${rec.attempt.stage}|${stall}|${rec.transfers.currentPath()}`;
}

export function summaryOf(rec: ClientRecord): ClientSummary {
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
  if (rec.plan) s.plan = rec.plan;
  s.boot = bootFigures(rec.tally, rec.attempt.lastEventAt);
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
