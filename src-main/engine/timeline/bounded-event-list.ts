import type { TimelineEvent } from '../../shared/timeline-event.ts';

interface Entry {
  t: number;
  seq: number;
  event: TimelineEvent;
}

/**
 * One client's events in time order, bounded: the first `keepFirst` events (how the boot
 * started is what a technician compares against) and the latest ones up to `max` in total.
 * Events that arrive slightly out of order (two servers reporting concurrently) are inserted
 * at their place; equal times keep arrival order.
 */
export class BoundedEventList {
  private readonly head: Entry[] = [];
  /** The latest events from index `start` on; entries before it are dropped, compacted in batches. */
  private tail: Entry[] = [];
  private start = 0;
  private readonly tailMax: number;
  private seq = 0;
  private dropped = 0;

  constructor(
    readonly max = 500,
    readonly keepFirst = 20,
  ) {
    if (!(max >= 1) || !(keepFirst >= 0) || keepFirst >= max) {
      throw new RangeError(`BoundedEventList: need 0 <= keepFirst (${keepFirst}) < max (${max})`);
    }
    this.tailMax = max - keepFirst;
  }

  /** Events recorded, including those dropped by the bound. */
  get total(): number {
    return this.length + this.dropped;
  }

  get length(): number {
    return this.head.length + this.tail.length - this.start;
  }

  /** How many events were dropped between the first `keepFirst` and the latest ones. */
  get omitted(): number {
    return this.dropped;
  }

  get last(): TimelineEvent | undefined {
    return this.at(-1);
  }

  /** The event before the last, for coalescing runs of similar events. */
  get beforeLast(): TimelineEvent | undefined {
    return this.at(-2);
  }

  push(event: TimelineEvent, t: number): void {
    const entry: Entry = { t, seq: this.seq++, event };
    if (this.tail.length === this.start && this.head.length < this.keepFirst && this.dropped === 0) {
      insertSorted(this.head, entry, 0);
      return;
    }
    // Older than the newest head entry: it belongs among the first events, which are kept as
    // they are; push the head's newest out into the tail instead.
    const headLast = this.head.at(-1);
    if (headLast && t < headLast.t && this.dropped === 0) {
      insertSorted(this.head, entry, 0);
      this.tail.splice(this.start, 0, this.head.pop()!);
    } else {
      insertSorted(this.tail, entry, this.start);
    }
    const live = this.tail.length - this.start;
    if (live > this.tailMax) {
      this.dropped += live - this.tailMax;
      this.start += live - this.tailMax;
      // Compact now and then rather than copying the whole tail on every event.
      if (this.start >= Math.max(16, this.tailMax >> 2)) {
        this.tail = this.tail.slice(this.start);
        this.start = 0;
      }
    }
  }

  /** Replaces the newest event (a progress update superseding the previous one). */
  replaceLast(event: TimelineEvent, t: number): void {
    const list = this.tail.length > this.start ? this.tail : this.head;
    const last = list.at(-1);
    if (!last) return this.push(event, t);
    list[list.length - 1] = { t: Math.max(t, last.t), seq: last.seq, event };
  }

  toArray(): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (const e of this.head) out.push(e.event);
    for (let i = this.start; i < this.tail.length; i++) out.push(this.tail[i]!.event);
    return out;
  }

  /** Event at a negative index from the end (-1 = newest). */
  private at(fromEnd: number): TimelineEvent | undefined {
    const tailLive = this.tail.length - this.start;
    const k = -fromEnd;
    if (k <= tailLive) return this.tail[this.tail.length - k]?.event;
    return this.head[this.head.length - (k - tailLive)]?.event;
  }
}

function insertSorted(list: Entry[], entry: Entry, floor: number): void {
  let i = list.length;
  while (i > floor && list[i - 1]!.t > entry.t) i--;
  list.splice(i, 0, entry);
}
