import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { normalizeMac } from '../shared/mac.ts';

/**
 * One event as one JSON line, in the `--events` format of `bootcast serve`:
 *   {"ts":"<ISO time>","client":"<mac>","ip":"…","kind":"…",…details}
 * (each kind's fields: shared/timeline-event.ts; read back with parseEventLine).
 * ts, client, ip and kind come first, in that order, so the stream reads well with grep and
 * column tools; absent fields are left out. The MAC is written lowercase and colon-separated
 * whatever spelling the event carried. No trailing newline.
 */
export function formatEventLine(event: TimelineEvent): string {
  // Built key by key into one object (no rest/spread copies, which cost several times the
  // serialisation itself): this runs for every event, twice with --events.
  const record: Record<string, unknown> = { ts: event.ts };
  if (event.client !== undefined) record['client'] = normalizeMac(event.client) ?? event.client;
  if (event.ip !== undefined) record['ip'] = event.ip;
  record['kind'] = event.kind;
  // The replacer costs a call per key: only pay for it when a detail needs it (any object may
  // hold something JSON cannot say plainly: URLSearchParams, bytes, bigint).
  let needsReplacer = false;
  for (const key in event) {
    if (key === 'ts' || key === 'client' || key === 'ip' || key === 'kind') continue;
    const v = (event as unknown as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') needsReplacer = true;
    record[key] = v;
  }
  if (!needsReplacer) return JSON.stringify(record);
  try {
    return JSON.stringify(record, jsonSafe);
  } catch (err) {
    // A detail that cannot be serialised (a cycle) must not lose the event itself.
    const head: Record<string, unknown> = { ts: record['ts'] };
    for (const key of ['client', 'ip', 'kind']) if (record[key] !== undefined) head[key] = record[key];
    head['detailError'] = err instanceof Error ? err.message : String(err);
    return JSON.stringify(head);
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof URLSearchParams) return Object.fromEntries(value);
  if (value instanceof Error) return value.message;
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return value;
}

export interface EventLinesWriterOptions {
  /** Where '-' writes (process.stdout by default). */
  stdout?: Writable;
  /** Told once when writing fails (a closed pipe, a full disk); later events are dropped. */
  onError?: (err: Error) => void;
}

/**
 * Writes events as JSON lines to a file (created or truncated) or, for '-', to standard
 * output: the `--events FILE|-` stream. Writes go through the stream's own buffering; a reader
 * that goes away (EPIPE from `| head`) stops the stream, not the server.
 */
export class EventLinesWriter {
  private failed = false;
  private closed = false;

  private constructor(
    private readonly out: Writable,
    private readonly ownsStream: boolean,
    private readonly onError: (err: Error) => void,
  ) {
    out.on('error', (err: Error) => this.fail(err));
  }

  static async open(target: string, opts: EventLinesWriterOptions = {}): Promise<EventLinesWriter> {
    const onError = opts.onError ?? (() => {});
    if (target === '-') return new EventLinesWriter(opts.stdout ?? process.stdout, false, onError);
    const stream = createWriteStream(target, { flags: 'w' });
    try {
      await once(stream, 'open');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(`cannot write the events file ${target}: ${e.message}. Choose a writable path, or '-' for standard output.`, { cause: err });
    }
    return new EventLinesWriter(stream, true, onError);
  }

  write(event: TimelineEvent): void {
    if (this.failed || this.closed) return;
    this.out.write(formatEventLine(event) + '\n');
  }

  /** Ends a file stream once everything is written; leaves standard output open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.failed) return;
    if (this.ownsStream) {
      const finished = once(this.out, 'finish').catch(() => undefined);
      this.out.end();
      await finished;
    } else if (this.out.writableNeedDrain) {
      await once(this.out, 'drain').catch(() => undefined);
    }
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(err);
  }
}
