import type { StallParams } from '@shared/stall-hints.ts';
import { isDhcpStep, kindFamily, type TimelineEvent, type TimelineKind } from '@shared/timeline-event.ts';

export type RowTone = 'dhcp' | 'tftp' | 'http' | 'nbd' | 'boot' | 'error' | 'stalled' | 'info';

/** One line of a client's vertical timeline. */
export interface TimelineRow {
  key: string;
  kind: TimelineKind;
  tone: RowTone;
  ts: string;
  offsetMs: number;
  path?: string;
  bytes?: number;
  total?: number;
  durationMs?: number;
  bytesPerSecond?: number;
  status?: string;
  ip?: string;
  /** A plain-language explanation (stall hint, error message). */
  note?: string;
  /** client.stalled: the hint's code and parameters, so the UI can word it in its own language. */
  stallCode?: string;
  stallParams?: StallParams;
}

function toneOf(kind: TimelineKind): RowTone {
  if (kind === 'client.stalled') return 'stalled';
  if (kind.endsWith('.error') || kind === 'dhcp.nak' || kind === 'server.warning') return 'error';
  if (kind === 'boot.script' || kind === 'boot.chain') return 'boot';
  const family = kindFamily(kind);
  if (family === 'dhcp' || family === 'tftp' || family === 'http' || family === 'nbd') return family;
  return 'info';
}

/** What a row says besides kind and time, read from the event's own typed fields. */
function details(e: TimelineEvent): Pick<TimelineRow, 'path' | 'bytes' | 'total' | 'durationMs' | 'bytesPerSecond' | 'status' | 'note' | 'stallCode' | 'stallParams'> {
  switch (e.kind) {
    case 'client.stalled':
      // The stall's "path" and "status" live in its params; the row shows them through the hint.
      return { note: e.hint, stallCode: e.code, stallParams: e.params };
    case 'client.done':
      return { note: e.reason };
    case 'nat.changed':
    case 'server.notice':
    case 'server.warning':
      return { note: e.message };
    case 'boot.script':
      return {};
    case 'boot.chain':
      // Which chain (iPXE or the signed one for Secure Boot) and why.
      return { note: `${e.chain}: ${e.reason}` };
    case 'nbd.connect':
    case 'nbd.disconnect':
    case 'nbd.error':
      return { path: e.export, bytes: e.bytes, total: e.size, durationMs: e.durationMs, note: e.error ?? e.reason };
    default:
      // An offer names the loader (or script URL) and why that loader, for the technician.
      if (isDhcpStep(e)) return { path: e.bootFile, note: e.reason ?? e.bootReason };
      return {
        path: e.path,
        bytes: e.bytes,
        total: e.total,
        durationMs: e.durationMs,
        // A finished download's average rate; progress rows show the figures so far.
        bytesPerSecond: e.kind.endsWith('.done') && e.bytes && e.durationMs ? (e.bytes * 1000) / e.durationMs : undefined,
        status: e.status !== undefined ? String(e.status) : e.code !== undefined ? String(e.code) : undefined,
        note: e.error ?? e.detail,
      };
  }
}

/**
 * Events → rows, times relative to `originTs` (the client's first packet). Progress events of a
 * transfer are folded into one row that shows the latest figures: a 700 MB download would
 * otherwise bury everything else.
 */
export function timelineRows(events: readonly TimelineEvent[], originTs: string): TimelineRow[] {
  const origin = Date.parse(originTs);
  const rows: TimelineRow[] = [];
  const openProgress = new Map<string, TimelineRow>();
  events.forEach((e, index) => {
    const row: TimelineRow = { key: `${index}:${e.ts}:${e.kind}`, kind: e.kind, tone: toneOf(e.kind), ts: e.ts, offsetMs: Date.parse(e.ts) - origin, ip: e.ip };
    for (const [k, v] of Object.entries(details(e))) if (v !== undefined) (row as unknown as Record<string, unknown>)[k] = v;
    const path = row.path;
    const family = kindFamily(e.kind);
    const transferKey = `${family}:${path ?? ''}`;
    if (e.kind.endsWith('.progress')) {
      const open = openProgress.get(transferKey);
      if (open) {
        Object.assign(open, { ...row, key: open.key, offsetMs: open.offsetMs, ts: open.ts, kind: e.kind });
        return;
      }
      openProgress.set(transferKey, row);
    } else if (e.kind.endsWith('.done') || e.kind.endsWith('.error') || e.kind.endsWith('.start')) {
      openProgress.delete(transferKey);
    }
    rows.push(row);
  });
  return rows;
}
