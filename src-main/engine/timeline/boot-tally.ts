import type { BootFigures } from '../../shared/api.ts';

/**
 * What one boot attempt delivered, and when: the figures a technician reads after "Done" (how
 * long the machine took from its first DHCP, how much it downloaded, how fast). Counted from the
 * completed transfers of the attempt only; a refused or cut-off request delivered nothing usable.
 */
export interface BootTally {
  startedAt: number;
  bytes: number;
  /** Time during which at least one transfer was running (overlapping transfers count once). */
  busyMs: number;
  /** End of the latest transfer counted in busyMs. */
  busyUntil: number;
  /** When the boot was judged finished: its last event before the quiet that made it done. */
  endedAt?: number;
}

export function freshTally(t: number): BootTally {
  return { startedAt: t, bytes: 0, busyMs: 0, busyUntil: -Infinity };
}

/**
 * A request delivered `bytes` over `durationMs`, ending at t. Dones arrive in the order
 * transfers end, so the part of this one after the latest counted end is what is new.
 */
export function tallyDelivered(tally: BootTally, bytes: number, t: number, durationMs = 0): void {
  if (tally.endedAt !== undefined) return;
  tally.bytes += bytes;
  const began = t - Math.max(0, durationMs);
  if (t > tally.busyUntil) {
    tally.busyMs += t - Math.max(began, tally.busyUntil);
    tally.busyUntil = t;
  }
}

export function tallyEnded(tally: BootTally, t: number): void {
  tally.endedAt ??= t;
}

/**
 * The contract's figures. Duration runs from the first DHCP to the end (or to the latest event
 * while still booting). The average rate is over the time something was being transferred: the
 * firmware, the menu and the kernel starting up between downloads would otherwise dilute it into
 * a figure that says nothing about the network.
 */
export function bootFigures(tally: BootTally, lastEventAt: number): BootFigures {
  const end = tally.endedAt ?? lastEventAt;
  const figures: BootFigures = {
    startedAt: new Date(tally.startedAt).toISOString(),
    durationMs: Math.max(0, end - tally.startedAt),
    bytes: tally.bytes,
  };
  if (tally.endedAt !== undefined) figures.endedAt = new Date(tally.endedAt).toISOString();
  if (tally.bytes > 0 && tally.busyMs > 0) figures.bytesPerSecond = Math.round((tally.bytes * 1000) / tally.busyMs);
  return figures;
}
