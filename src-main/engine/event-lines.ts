import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { normalizeMac, type TimelineEvent } from '../shared/timeline-event.ts';

/**
 * One event as one JSON line, in the `--events` format of `bootcast serve`:
 *   {"ts":"<ISO time>","client":"<mac>","ip":"…","kind":"…",…details}
 * ts, client, ip and kind come first, in that order, so the stream reads well with grep and
 * column tools; absent fields are left out. The MAC is written lowercase and colon-separated
 * whatever spelling the event carried. No trailing newline.
 */
export function formatEventLine(event: TimelineEvent): string {
  const { ts, client, ip, kind, ...details } = event;
  const head: Record<string, unknown> = { ts };
  if (client !== undefined) head['client'] = normalizeMac(client) ?? client;
  if (ip !== undefined) head['ip'] = ip;
  head['kind'] = kind;
  const record = { ...head, ...details };
  try {
    return JSON.stringify(record, jsonSafe);
  } catch (err) {
    // A detail that cannot be serialised (a cycle) must not lose the event itself.
    return JSON.stringify({ ...head, detailError: err instanceof Error ? err.message : String(err) });
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
