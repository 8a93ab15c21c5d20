/**
 * Counts open connections (or running transfers), over all clients and per client address,
 * against two caps; shared by the TFTP, HTTP and NBD servers. Also rate-limits the warning a
 * reached cap produces, so a flood of refusals yields one notice per interval, not one each.
 */
export class ConnectionCaps {
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  private lastWarningAt = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
    /** Limit names and wording for messages: what: 'HTTP', held: 'connections open'. */
    private readonly names: { total: string; perAddress: string; what: string; held?: string },
    private readonly now: () => number = () => performance.now(),
    private readonly warningIntervalMs = 10_000,
  ) {}

  get open(): number {
    return this.total;
  }

  /**
   * Takes a slot for `address`, or returns why not. The caller must `release(address)` exactly
   * once per slot taken.
   */
  admit(address: string): { ok: true } | { ok: false; reason: string; warn: string | undefined } {
    const mine = this.perAddress.get(address) ?? 0;
    if (this.total >= this.maxTotal || mine >= this.maxPerAddress) {
      const global = this.total >= this.maxTotal;
      const held = this.names.held ?? 'connections open';
      const reason = global
        ? `${this.total} ${this.names.what} ${held}, the most allowed at once (${this.names.total})`
        : `${address} already has ${mine} ${this.names.what} ${held}, the most allowed per client (${this.names.perAddress})`;
      return { ok: false, reason, warn: this.shouldWarn(global ? 'global' : address) ? reason : undefined };
    }
    this.total++;
    this.perAddress.set(address, mine + 1);
    return { ok: true };
  }

  release(address: string): void {
    this.total--;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(address, left);
    else this.perAddress.delete(address);
  }

  private shouldWarn(kind: string): boolean {
    const now = this.now();
    const last = this.lastWarningAt.get(kind);
    if (last !== undefined && now - last < this.warningIntervalMs) return false;
    if (this.lastWarningAt.size > 1000) this.lastWarningAt = new Map();
    this.lastWarningAt.set(kind, now);
    return true;
  }
}
