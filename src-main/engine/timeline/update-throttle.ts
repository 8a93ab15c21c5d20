import type { Clock, TimerHandle } from './clock.ts';

interface KeyState {
  lastSentAt: number;
  pending?: TimerHandle;
}

/**
 * Rate-limits notifications per key (per client): significant changes go out at once, minor
 * ones (bytes moved, last seen) at most once per `intervalMs`, with a trailing send so the
 * last state is never lost. `send` reads the current state when it runs, so a burst of minor
 * changes costs one notification.
 */
export class UpdateThrottle<K> {
  private readonly keys = new Map<K, KeyState>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly send: (key: K) => void,
  ) {}

  /** A significant change: notify now (and drop any pending trailing send). */
  immediate(key: K): void {
    const st = this.state(key);
    if (st.pending) this.clock.clearTimer(st.pending);
    st.pending = undefined;
    st.lastSentAt = this.clock.now();
    this.send(key);
  }

  /** A minor change: notify now if the last notification is old enough, else once the interval has passed. */
  minor(key: K): void {
    const st = this.state(key);
    if (st.pending) return;
    const wait = st.lastSentAt + this.intervalMs - this.clock.now();
    if (wait <= 0) return this.immediate(key);
    st.pending = this.clock.setTimer(() => {
      st.pending = undefined;
      if (this.keys.get(key) !== st) return;
      this.immediate(key);
    }, wait);
  }

  forget(key: K): void {
    const st = this.keys.get(key);
    if (st?.pending) this.clock.clearTimer(st.pending);
    this.keys.delete(key);
  }

  clear(): void {
    for (const key of [...this.keys.keys()]) this.forget(key);
  }

  private state(key: K): KeyState {
    let st = this.keys.get(key);
    if (!st) this.keys.set(key, (st = { lastSentAt: Number.NEGATIVE_INFINITY }));
    return st;
  }
}
