import type { TransferProgress } from '../../shared/api.ts';

export type TransferProtocol = TransferProgress['protocol'];

export interface TransferUpdate {
  protocol: TransferProtocol;
  path: string;
  /** Event time, ms. */
  t: number;
  /** Bytes of this request so far (progress) or in all (done). */
  bytes?: number;
  /** Size of the whole file. */
  total?: number;
  durationMs?: number;
  /** The engine's id for the request, when several requests for one path may overlap. */
  transferId?: string;
  /** A partial (Range) request: requests for one path add up into one transfer. */
  ranged?: boolean;
}

export interface ActiveTransfer {
  key: string;
  protocol: TransferProtocol;
  path: string;
  startedAt: number;
  lastProgressAt: number;
  bytes: number;
  total?: number;
}

interface Transfer extends ActiveTransfer {
  active: boolean;
  ranged: boolean;
  /** Bytes of earlier ranged requests, added to the current request's count. */
  base: number;
  samples: { t: number; bytes: number }[];
  bytesPerSecond: number;
  finishedDurationMs?: number;
}

/** Throughput is measured over the last few seconds, so a stall shows as a falling rate. */
const RATE_WINDOW_MS = 3000;
const MAX_SAMPLES = 32;
/** Finished transfers remembered per client, so late or ranged events find theirs. */
const MAX_FINISHED = 16;
/**
 * Transfers in flight tracked per client. A start whose done never comes (a lost event, a
 * server bug) must not grow the map forever; iPXE and initramfs fetchers have a handful open.
 */
const MAX_ACTIVE = 32;

/**
 * One client's file transfers: which are in flight, bytes done / total and throughput.
 * Fed by tftp.* / http.* (start, progress, done, error) and nbd.disconnect.
 */
export class TransferTracker {
  private readonly transfers = new Map<string, Transfer>();
  private lastTouched: Transfer | undefined;

  private keyOf(u: TransferUpdate): string {
    // Ranges of one file add up whatever request they came in; whole-file requests are told
    // apart by the server's id when it gives one.
    if (u.ranged) return `${u.protocol}:${u.path}#ranged`;
    if (u.transferId !== undefined) return `${u.protocol}#${u.transferId}`;
    return `${u.protocol}:${u.path}`;
  }

  start(u: TransferUpdate): void {
    const key = this.keyOf(u);
    const existing = this.transfers.get(key);
    if (existing && existing.ranged && u.ranged) {
      // Another range of the same file: keep adding up.
      existing.active = true;
      existing.base = existing.bytes;
      existing.lastProgressAt = u.t;
      if (u.total !== undefined) existing.total = u.total;
      return this.touch(existing);
    }
    const fresh: Transfer = {
      key,
      protocol: u.protocol,
      path: u.path,
      startedAt: u.t,
      lastProgressAt: u.t,
      bytes: 0,
      total: u.total,
      active: true,
      ranged: !!u.ranged,
      base: 0,
      samples: [{ t: u.t, bytes: 0 }],
      bytesPerSecond: 0,
    };
    this.transfers.delete(key);
    this.transfers.set(key, fresh);
    this.prune();
    this.touch(fresh);
  }

  progress(u: TransferUpdate): void {
    const tr = this.find(u);
    tr.active = true;
    if (u.total !== undefined) tr.total = u.total;
    if (u.bytes !== undefined) {
      const bytes = tr.base + u.bytes;
      if (bytes > tr.bytes) tr.lastProgressAt = Math.max(tr.lastProgressAt, u.t);
      tr.bytes = Math.max(tr.bytes, bytes);
      this.sample(tr, u.t);
    }
    this.touch(tr);
  }

  done(u: TransferUpdate): void {
    const tr = this.find(u);
    if (u.total !== undefined) tr.total = u.total;
    if (u.bytes !== undefined) tr.bytes = Math.max(tr.bytes, tr.base + u.bytes);
    tr.active = false;
    tr.lastProgressAt = Math.max(tr.lastProgressAt, u.t);
    const duration = u.durationMs ?? u.t - tr.startedAt;
    if (!tr.ranged) {
      // A finished whole-file transfer reports its average rate (what the server measured).
      tr.finishedDurationMs = duration;
      tr.bytesPerSecond = duration > 0 ? Math.round((tr.bytes * 1000) / duration) : tr.bytesPerSecond;
    } else {
      this.sample(tr, u.t);
    }
    this.touch(tr);
  }

  /** The request ended without completing: it is no longer in flight. */
  fail(u: TransferUpdate): void {
    const tr = this.transfers.get(this.keyOf(u));
    if (!tr) return;
    tr.active = false;
    tr.bytes = Math.max(tr.bytes, tr.base + (u.bytes ?? 0));
    this.touch(tr);
  }

  /** Transfers in flight, least recently progressing first. */
  active(): ActiveTransfer[] {
    const out: ActiveTransfer[] = [];
    for (const t of this.transfers.values()) {
      if (t.active) out.push({ key: t.key, protocol: t.protocol, path: t.path, startedAt: t.startedAt, lastProgressAt: t.lastProgressAt, bytes: t.bytes, total: t.total });
    }
    return out.length > 1 ? out.sort((a, b) => a.lastProgressAt - b.lastProgressAt) : out;
  }

  /** What the client list shows: the transfer touched last (in flight or just finished). */
  current(): TransferProgress | undefined {
    const tr = this.lastTouched;
    if (!tr) return undefined;
    const progress: TransferProgress = {
      protocol: tr.protocol,
      path: tr.path,
      bytes: tr.bytes,
      bytesPerSecond: tr.bytesPerSecond,
    };
    if (tr.total !== undefined) progress.total = tr.total;
    return progress;
  }

  /** The current transfer's path (cheap: no summary object). */
  currentPath(): string | undefined {
    return this.lastTouched?.path;
  }

  clear(): void {
    this.transfers.clear();
    this.lastTouched = undefined;
  }

  private find(u: TransferUpdate): Transfer {
    const tr = this.transfers.get(this.keyOf(u));
    if (tr) return tr;
    // Progress or done without a start we saw (started before a clear, or the engine skipped it).
    this.start(u);
    return this.transfers.get(this.keyOf(u))!;
  }

  private sample(tr: Transfer, t: number): void {
    tr.samples.push({ t, bytes: tr.bytes });
    while (tr.samples.length > MAX_SAMPLES || (tr.samples.length > 2 && tr.samples[1]!.t <= t - RATE_WINDOW_MS)) tr.samples.shift();
    const first = tr.samples[0]!;
    const dt = t - first.t;
    if (dt > 0) tr.bytesPerSecond = Math.round(((tr.bytes - first.bytes) * 1000) / dt);
  }

  private touch(tr: Transfer): void {
    this.lastTouched = tr;
  }

  private prune(): void {
    if (this.transfers.size <= MAX_FINISHED + MAX_ACTIVE) return;
    let finished = 0;
    let active = 0;
    for (const t of this.transfers.values()) t.active ? active++ : finished++;
    // Map order is start order: the oldest go first.
    for (const [key, t] of this.transfers) {
      if (finished <= MAX_FINISHED && active <= MAX_ACTIVE) break;
      if (t === this.lastTouched) continue;
      if (t.active && active > MAX_ACTIVE) {
        this.transfers.delete(key);
        active--;
      } else if (!t.active && finished > MAX_FINISHED) {
        this.transfers.delete(key);
        finished--;
      }
    }
  }
}
