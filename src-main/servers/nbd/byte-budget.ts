/**
 * READ reply bytes held in memory by all NBD connections together. Each connection also has its
 * own bound; this one keeps many connections with unread replies from adding up without limit.
 * A request larger than the whole budget still runs when nothing else is held, alone.
 */
export class ByteBudget {
  private used = 0;
  private waiters = new Set<() => void>();

  constructor(readonly max: number) {}

  get held(): number {
    return this.used;
  }

  fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.max;
  }

  take(bytes: number): void {
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Registers `wake` for the next give(). */
  onRelease(wake: () => void): void {
    this.waiters.add(wake);
  }
}
