import type { LogEntry } from '../shared/api.ts';

export type LogLevel = LogEntry['level'];

const LEVEL_RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

export interface LogFilter {
  /** The newest `limit` entries that match (default 200). */
  limit?: number;
  /** This level and above: 'warn' gives warnings and errors. */
  minLevel?: LogLevel;
  source?: string;
  client?: string;
  /** Case-insensitive substring of the message. */
  text?: string;
}

/**
 * The last human log lines (what the log view shows and `log.recent` answers), kept in
 * memory in a fixed-size ring: the engine logs on every client step, so this must not grow.
 */
export class LogRing {
  private readonly ring: (LogEntry | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 2000) {
    if (!(capacity >= 1)) throw new RangeError(`LogRing capacity must be at least 1, got ${capacity}`);
    this.ring = new Array<LogEntry | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(entry: LogEntry): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Matching entries, oldest first, at most `limit` of the newest. */
  recent(filter: LogFilter = {}): LogEntry[] {
    const limit = Math.max(0, filter.limit ?? 200);
    const text = filter.text?.toLowerCase();
    const min = filter.minLevel ? LEVEL_RANK[filter.minLevel] : 0;
    const out: LogEntry[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity]!;
      if (LEVEL_RANK[e.level] < min) continue;
      if (filter.source && e.source !== filter.source) continue;
      if (filter.client && e.client !== filter.client) continue;
      if (text && !e.message.toLowerCase().includes(text)) continue;
      out.push(e);
    }
    return out.reverse();
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
