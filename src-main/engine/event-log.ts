import { appendFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { formatEventLine } from './event-lines.ts';

export interface EventLogOptions {
  /** Bootcast's data directory; the log is <dataDir>/logs/events.jsonl. */
  dataDir: string;
  /** Size at which the current file is rotated. */
  maxBytes?: number;
  /** Files kept in all: events.jsonl plus events.1.jsonl … events.(maxFiles-1).jsonl. */
  maxFiles?: number;
  /** Buffered lines are written at least this often. */
  flushIntervalMs?: number;
  /** …and at once when the buffer holds this much. */
  maxBufferBytes?: number;
  /** Told about write failures (full disk, permissions); the events concerned are dropped. */
  onError?: (err: Error) => void;
}

const MiB = 1024 * 1024;

/**
 * The session's timeline events, appended as JSON lines to <dataDir>/logs/events.jsonl and
 * rotated by size (events.1.jsonl is the previous file, and so on). Appends only buffer in
 * memory; the buffer is written asynchronously on a short timer, so a burst of client events
 * costs no synchronous I/O. `exportText` gives this session's lines, across rotations.
 */
export class EventLog {
  readonly path: string;
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferBytes: number;
  private readonly onError: (err: Error) => void;
  private buffer: string[] = [];
  private bufferBytes = 0;
  private size = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Where this session began: an offset into the file that was current then, and rotations since. */
  private sessionStartOffset = 0;
  private rotations = 0;
  private errorCount = 0;

  private constructor(opts: EventLogOptions) {
    this.dir = join(opts.dataDir, 'logs');
    this.path = join(this.dir, 'events.jsonl');
    this.maxBytes = opts.maxBytes ?? 10 * MiB;
    this.maxFiles = Math.max(1, opts.maxFiles ?? 5);
    this.flushIntervalMs = opts.flushIntervalMs ?? 500;
    this.maxBufferBytes = opts.maxBufferBytes ?? 256 * 1024;
    this.onError = opts.onError ?? (() => {});
  }

  /** Opens (creating the logs directory) and continues the current file. */
  static async open(opts: EventLogOptions): Promise<EventLog> {
    const log = new EventLog(opts);
    try {
      await mkdir(log.dir, { recursive: true });
    } catch (err) {
      throw new Error(`cannot create the log directory ${log.dir}: ${(err as Error).message}. Choose a writable data directory (--data-dir).`, { cause: err });
    }
    log.size = await fileSize(log.path);
    log.sessionStartOffset = log.size;
    return log;
  }

  /** Write failures since opening. */
  get errors(): number {
    return this.errorCount;
  }

  append(event: TimelineEvent): void {
    if (this.closed) return;
    const line = formatEventLine(event) + '\n';
    this.buffer.push(line);
    this.bufferBytes += Buffer.byteLength(line);
    if (this.bufferBytes >= this.maxBufferBytes) void this.flush();
    else this.timer ??= unrefTimer(setTimeout(() => void this.flush(), this.flushIntervalMs));
  }

  /** Writes everything appended so far; resolves once it is on disk (or failed and reported). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    if (lines.length) this.writing = this.writing.then(() => this.write(lines));
    return this.writing;
  }

  /** Resolves once the writes already started have finished (does not start one). */
  settled(): Promise<void> {
    return this.writing;
  }

  async close(): Promise<void> {
    if (this.closed) return this.writing;
    await this.flush();
    this.closed = true;
  }

  /** This session's events as JSON lines (what 'log.export' returns). */
  async exportText(): Promise<string> {
    await this.flush();
    const kept = this.maxFiles - 1;
    const parts: string[] = [];
    // The file that was current when the session began is now events.<rotations>.jsonl,
    // unless rotation has deleted it: then everything still kept belongs to the session.
    const first = Math.min(this.rotations, kept);
    for (let i = first; i >= 0; i--) {
      const file = i === 0 ? this.path : this.rotatedPath(i);
      const from = i === this.rotations ? this.sessionStartOffset : 0;
      parts.push(await readFrom(file, from));
    }
    return parts.join('');
  }

  private rotatedPath(i: number): string {
    return join(this.dir, `events.${i}.jsonl`);
  }

  private async write(lines: string[]): Promise<void> {
    let chunk = '';
    let chunkBytes = 0;
    try {
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.size + chunkBytes + bytes > this.maxBytes && this.size + chunkBytes > 0) {
          if (chunk) await appendFile(this.path, chunk);
          chunk = '';
          chunkBytes = 0;
          await this.rotate();
        }
        chunk += line;
        chunkBytes += bytes;
      }
      if (chunk) await appendFile(this.path, chunk);
      this.size += chunkBytes;
    } catch (err) {
      this.errorCount++;
      this.onError(new Error(`cannot write the event log ${this.path}: ${(err as Error).message}`, { cause: err }));
      // Resynchronise with what is really on disk.
      this.size = await fileSize(this.path);
    }
  }

  private async rotate(): Promise<void> {
    if (this.maxFiles === 1) {
      await rm(this.path, { force: true });
    } else {
      await rm(this.rotatedPath(this.maxFiles - 1), { force: true });
      for (let i = this.maxFiles - 2; i >= 1; i--) await renameIfExists(this.rotatedPath(i), this.rotatedPath(i + 1));
      await renameIfExists(this.path, this.rotatedPath(1));
    }
    this.size = 0;
    this.rotations++;
  }
}

function unrefTimer(t: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  t.unref?.();
  return t;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

async function readFrom(path: string, offset: number): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    let pos = 0;
    while (pos < buf.length) {
      const { bytesRead } = await fh.read(buf, pos, buf.length - pos, offset + pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
    return buf.subarray(0, pos).toString('utf8');
  } finally {
    await fh.close();
  }
}
