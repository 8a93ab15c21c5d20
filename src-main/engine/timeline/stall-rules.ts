import type { StallCode, StallParams } from '../../shared/stall-hints.ts';
import type { ActiveTransfer } from './transfer-tracker.ts';

/** How long each expected next step may take before the client is called stalled. */
export interface StallThresholds {
  /** DHCP answer sent to PXE firmware → its TFTP request (the 10 s). */
  tftpAfterOfferMs: number;
  /** DHCP answer sent to iPXE → its boot-script request over HTTP. */
  scriptAfterOfferMs: number;
  /** Discovers after our answer, with no request, that mean "not accepted" at once. */
  discoverRepeatLimit: number;
  /** First-stage loader sent → iPXE calls back (DHCP from iPXE or the boot script). */
  ipxeAfterLoaderMs: number;
  /** Boot script sent → kernel request, on top of the menu timeout. */
  kernelAfterScriptMs: number;
  /** No byte moved on an in-flight download. */
  transferStallMs: number;
  /** A failed request with no retry. */
  retryAfterErrorMs: number;
  /** Kernel and initrds sent → root filesystem fetch (HTTP or NBD) when the plan has one. */
  liveAfterKernelMs: number;
  /** Quiet time after which a client in the live stage (or one whose plan has no root fetch) counts as done. */
  doneQuietMs: number;
}

export const DEFAULT_STALL_THRESHOLDS: StallThresholds = {
  tftpAfterOfferMs: 10_000,
  // iPXE builds before 2020 (Debian's, and the ROMs QEMU ships) spend ~13 s waiting for an IPv6
  // router advertisement between their DHCP answer and the script request: not a stall.
  scriptAfterOfferMs: 30_000,
  discoverRepeatLimit: 3,
  ipxeAfterLoaderMs: 15_000,
  kernelAfterScriptMs: 20_000,
  transferStallMs: 20_000,
  retryAfterErrorMs: 15_000,
  liveAfterKernelMs: 60_000,
  doneQuietMs: 30_000,
};

export type ProgressStage = 'dhcp' | 'firstStage' | 'ipxe' | 'kernel' | 'live' | 'done';

export const STAGE_ORDER: Record<ProgressStage, number> = { dhcp: 0, firstStage: 1, ipxe: 2, kernel: 3, live: 4, done: 5 };

/**
 * What the current boot attempt is waiting for. Each "since" time is the FIRST occurrence
 * since the awaited step last happened, so a client looping (offer, offer, offer… or loader,
 * loader…) does not restart its own deadline.
 */
export interface AttemptState {
  stage: ProgressStage;
  /** First DHCP answer we sent since the client last moved past DHCP. */
  answeredAt?: number;
  answeredIpxe: boolean;
  requestsSinceAnswer: number;
  discoversSinceAnswer: number;
  /** When the Nth repeated discover came (the immediate "not accepted" verdict). */
  discoverLimitAt?: number;
  /** First first-stage loader fully sent, iPXE not yet heard from. */
  loaderDoneAt?: number;
  loaderPath?: string;
  /** Firmware asked DHCP again after the loader, without iPXE ever calling back: the loader was refused. */
  loaderRefusedAt?: number;
  /** Boot script sent, no kernel requested yet. */
  scriptAt?: number;
  menuTimeoutMs: number;
  /** Last kernel/initrd fully sent, no root filesystem requested yet. */
  kernelDoneAt?: number;
  /** A kernel or initrd was requested in this attempt (an ISO read after one is the live root). */
  sawKernelFile: boolean;
  /** The booted system did DHCP itself: its NIC driver works. */
  liveDhcpSeen: boolean;
  /** Whether the boot plan fetches a root filesystem after the kernel. */
  expectsLive: boolean;
  /** Last failed request that nothing has followed yet. */
  failure?: { at: number; path?: string; error?: string };
  /** Last event of any kind. */
  lastEventAt: number;
}

export function freshAttempt(t: number): AttemptState {
  return {
    stage: 'dhcp',
    answeredIpxe: false,
    requestsSinceAnswer: 0,
    discoversSinceAnswer: 0,
    menuTimeoutMs: 0,
    sawKernelFile: false,
    liveDhcpSeen: false,
    expectsLive: true,
    lastEventAt: t,
  };
}

export type Expectation =
  | { kind: 'stall'; due: number; code: StallCode; since: number; params: StallParams }
  | { kind: 'done'; due: number };

/**
 * The next verdict for a client and when it falls due, from its attempt state, its transfers
 * in flight and the time. Pure. Checked in order of specificity: a download in flight is
 * judged by its own progress; then a failed request; then the step the stage is waiting for.
 */
export function nextExpectation(a: AttemptState, active: readonly ActiveTransfer[], th: StallThresholds, now: number): Expectation | undefined {
  if (a.stage === 'done') return undefined;
  const secs = (since: number) => Math.max(0, Math.round((now - since) / 1000));

  const oldest = active[0];
  if (oldest) {
    const params: StallParams = { path: oldest.path, seconds: secs(oldest.lastProgressAt) };
    if (oldest.total) params.percent = Math.floor((oldest.bytes * 100) / oldest.total);
    return { kind: 'stall', code: 'transfer-stalled', due: oldest.lastProgressAt + th.transferStallMs, since: oldest.lastProgressAt, params };
  }

  if (a.failure) {
    const params: StallParams = { seconds: secs(a.failure.at) };
    if (a.failure.path) params.path = a.failure.path;
    if (a.failure.error) params.error = a.failure.error;
    return { kind: 'stall', code: 'transfer-failed', due: a.failure.at + th.retryAfterErrorMs, since: a.failure.at, params };
  }

  if (a.loaderRefusedAt !== undefined && a.stage === 'firstStage') {
    const params: StallParams = {};
    if (a.loaderPath) params.path = a.loaderPath;
    return { kind: 'stall', code: 'loader-refused', due: a.loaderRefusedAt, since: a.loaderRefusedAt, params };
  }

  if (a.answeredAt !== undefined) {
    const limit = a.answeredIpxe ? th.scriptAfterOfferMs : th.tftpAfterOfferMs;
    let due = a.answeredAt + limit;
    const notAccepted = a.requestsSinceAnswer === 0 && a.discoversSinceAnswer > 0;
    if (notAccepted && a.discoverLimitAt !== undefined) due = Math.min(due, a.discoverLimitAt);
    const code: StallCode = notAccepted ? 'offer-not-accepted' : a.answeredIpxe ? 'no-script-after-offer' : 'no-tftp-after-offer';
    const params: StallParams = { seconds: secs(a.answeredAt) };
    if (notAccepted) params.discovers = a.discoversSinceAnswer;
    return { kind: 'stall', code, due, since: a.answeredAt, params };
  }

  if (a.loaderDoneAt !== undefined && STAGE_ORDER[a.stage] <= STAGE_ORDER.firstStage) {
    const params: StallParams = { seconds: secs(a.loaderDoneAt) };
    if (a.loaderPath) params.path = a.loaderPath;
    return { kind: 'stall', code: 'no-ipxe-after-loader', due: a.loaderDoneAt + th.ipxeAfterLoaderMs, since: a.loaderDoneAt, params };
  }

  if (a.scriptAt !== undefined && a.stage === 'ipxe') {
    return {
      kind: 'stall',
      code: 'no-kernel-after-script',
      due: a.scriptAt + a.menuTimeoutMs + th.kernelAfterScriptMs,
      since: a.scriptAt,
      params: { seconds: secs(a.scriptAt) },
    };
  }

  if (a.kernelDoneAt !== undefined && a.stage === 'kernel') {
    if (!a.expectsLive) return { kind: 'done', due: a.lastEventAt + th.doneQuietMs };
    return {
      kind: 'stall',
      code: a.liveDhcpSeen ? 'no-root-after-network' : 'no-root-after-kernel',
      due: a.kernelDoneAt + th.liveAfterKernelMs,
      since: a.kernelDoneAt,
      params: { seconds: secs(a.kernelDoneAt) },
    };
  }

  if (a.stage === 'live') return { kind: 'done', due: a.lastEventAt + th.doneQuietMs };
  return undefined;
}

/**
 * Whether what a stall verdict waited for has happened since. A stalled client is released
 * only then — not on any activity — so firmware looping on a loader it rejects (DHCP, TFTP,
 * DHCP, TFTP…) stays stalled instead of flapping with every retry.
 */
export function isResolved(code: StallCode, a: AttemptState, active: readonly ActiveTransfer[], th: StallThresholds, now: number): boolean {
  if (a.stage === 'done') return true;
  switch (code) {
    case 'no-tftp-after-offer':
    case 'no-script-after-offer':
    case 'offer-not-accepted':
      return a.answeredAt === undefined;
    case 'no-ipxe-after-loader':
      return a.loaderDoneAt === undefined;
    case 'loader-refused':
      return a.loaderRefusedAt === undefined;
    case 'no-kernel-after-script':
      return a.scriptAt === undefined;
    case 'transfer-stalled':
      return !active.some((t) => t.lastProgressAt + th.transferStallMs <= now);
    case 'transfer-failed':
      return a.failure === undefined;
    case 'no-root-after-kernel':
    case 'no-root-after-network':
      return a.kernelDoneAt === undefined;
  }
}
