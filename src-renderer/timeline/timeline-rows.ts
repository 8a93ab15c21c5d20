import type { StallParams } from '../../src-main/shared/stall-hints.ts';
import type { TimelineEvent, TimelineKind } from '../../src-main/shared/timeline-event.ts';

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
  if (kind === 'boot.script') return 'boot';
  const family = kind.split('.')[0];
  if (family === 'dhcp' || family === 'tftp' || family === 'http' || family === 'nbd') return family;
  return 'info';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : v === undefined || v === null ? undefined : typeof v === 'number' ? String(v) : undefined);

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
    const path = str(e.path) ?? str(e.file);
    const row: TimelineRow = {
      key: `${index}:${e.ts}:${e.kind}`,
      kind: e.kind,
      tone: toneOf(e.kind),
      ts: e.ts,
      offsetMs: Date.parse(e.ts) - origin,
      path,
      bytes: num(e.bytes),
      total: num(e.total) ?? num(e.size),
      durationMs: num(e.durationMs),
      bytesPerSecond: num(e.bytesPerSecond),
      status: str(e.status) ?? str(e.code),
      ip: str(e.ip),
      note: str(e.hint) ?? str(e.reason) ?? str(e.message) ?? str(e.error),
    };
    if (e.kind === 'client.stalled') {
      row.stallCode = str(e.code);
      if (e.params && typeof e.params === 'object') row.stallParams = e.params as StallParams;
      // The stall's "path" and "status" live in its params; the row shows them through the hint.
      row.status = undefined;
    }
    const family = e.kind.split('.')[0]!;
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
