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
  private tail: Entry[] = [];
  private seq = 0;
  private dropped = 0;

  constructor(
    readonly max = 500,
    readonly keepFirst = 20,
  ) {
    if (!(max >= 1) || !(keepFirst >= 0) || keepFirst >= max) {
      throw new RangeError(`BoundedEventList: need 0 <= keepFirst (${keepFirst}) < max (${max})`);
    }
  }

  /** Events recorded, including those dropped by the bound. */
  get total(): number {
    return this.head.length + this.tail.length + this.dropped;
  }

  get length(): number {
    return this.head.length + this.tail.length;
  }

  get last(): TimelineEvent | undefined {
    return (this.tail.at(-1) ?? this.head.at(-1))?.event;
  }

  /** The event before the last, for coalescing runs of similar events. */
  get beforeLast(): TimelineEvent | undefined {
    const all = this.tail.length >= 2 ? this.tail.slice(-2) : [...this.head, ...this.tail].slice(-2);
    return all.length === 2 ? all[0]!.event : undefined;
  }

  push(event: TimelineEvent, t: number): void {
    const entry: Entry = { t, seq: this.seq++, event };
    if (this.tail.length === 0 && this.head.length < this.keepFirst && this.dropped === 0) {
      insertSorted(this.head, entry);
      return;
    }
    // Older than the newest head entry: it belongs among the first events, which are kept as
    // they are; push the head's newest out into the tail instead.
    const headLast = this.head.at(-1);
    if (headLast && t < headLast.t && this.dropped === 0) {
      insertSorted(this.head, entry);
      this.tail.unshift(this.head.pop()!);
    } else {
      insertSorted(this.tail, entry);
    }
    const tailMax = this.max - this.keepFirst;
    if (this.tail.length > tailMax) {
      const excess = this.tail.length - tailMax;
      this.tail = this.tail.slice(excess);
      this.dropped += excess;
    }
  }

  /** Replaces the newest event (a progress update superseding the previous one). */
  replaceLast(event: TimelineEvent, t: number): void {
    const list = this.tail.length ? this.tail : this.head;
    const last = list.at(-1);
    if (!last) return this.push(event, t);
    list[list.length - 1] = { t: Math.max(t, last.t), seq: last.seq, event };
  }

  toArray(): TimelineEvent[] {
    return [...this.head, ...this.tail].map((e) => e.event);
  }

  /** How many events were dropped between the first `keepFirst` and the latest ones. */
  get omitted(): number {
    return this.dropped;
  }
}

function insertSorted(list: Entry[], entry: Entry): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.t > entry.t) i--;
  list.splice(i, 0, entry);
}
