import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import type { NatRecord } from './nat-record.ts';

/** Wall-clock time of this boot, to the second; written into each record. */
export function bootTime(): string {
  return new Date(Math.round((Date.now() - uptime() * 1000) / 1000) * 1000).toISOString();
}

/** Boot times computed at different moments drift by rounding and clock steps; a minute apart is another boot. */
const SAME_BOOT_SLACK_MS = 60_000;

/**
 * Whether the process that wrote `record` may still be running and own what it applied (a second
 * Bootcast on the same data directory): internet sharing, or the Windows Setup share. A record from another boot, or whose pid is gone, or
 * (on Linux) whose pid now runs something that is not Node/Electron, is orphaned: recover it.
 */
export function recordOwnerAlive(record: Pick<NatRecord, 'pid' | 'bootTime'>): boolean {
  if (record.bootTime && Math.abs(Date.parse(record.bootTime) - Date.parse(bootTime())) > SAME_BOOT_SLACK_MS) return false;
  if (record.pid === process.pid) return false; // not ours (the caller checked), so a previous holder of our pid
  try {
    process.kill(record.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    return /node|electron|bootcast/i.test(cmdline);
  } catch {
    return false;
  }
}
