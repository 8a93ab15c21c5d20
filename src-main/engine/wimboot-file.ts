import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BootPlan } from '../shared/api.ts';

/**
 * Where the wimboot that Windows plans boot through comes from. Bootcast does not bundle
 * wimboot: the technician supplies it, and this is the one place that finds it, in this order:
 * `--wimboot PATH` (bootcast serve, bootcast iso info), $BOOTCAST_WIMBOOT, `<data-dir>/wimboot`.
 * Without one, Windows plans stay listed but unbootable, with a reason that says what to do.
 */
export const WIMBOOT_ENV = 'BOOTCAST_WIMBOOT';

export interface WimbootLookup {
  dataDir: string;
  /** `--wimboot PATH`, when given. */
  path?: string;
  env?: NodeJS.ProcessEnv;
}

/** `path` when a wimboot was found, else `reason`: the sentence a technician reads. */
export type WimbootStatus = { path: string; reason?: undefined } | { path?: undefined; reason: string };

export function findWimboot(o: WimbootLookup): WimbootStatus {
  const inDataDir = join(o.dataDir, 'wimboot');
  const advice =
    `Bootcast does not bundle wimboot: download wimboot from the iPXE project's releases and place it at ${inDataDir}, ` +
    'or pass --wimboot PATH';
  const fromEnv = (o.env ?? process.env)[WIMBOOT_ENV] || undefined;
  const given = o.path ?? fromEnv;
  if (given !== undefined) {
    const problem = fileProblem(given);
    if (!problem) return { path: resolve(given) };
    const source = o.path !== undefined ? `--wimboot ${given}` : `$${WIMBOOT_ENV} (${given})`;
    return { reason: `${source} ${problem}. ${advice}` };
  }
  return fileProblem(inDataDir) ? { reason: advice } : { path: inDataDir };
}

/** The plans as they stand with this wimboot: Windows plans carry the reason when there is none. */
export function withWimboot(plans: BootPlan[], status: WimbootStatus): BootPlan[] {
  if (status.path !== undefined || !plans.some((p) => p.via === 'wimboot')) return plans;
  return plans.map((p) => (p.via === 'wimboot' ? { ...p, unbootableReason: status.reason } : p));
}

function fileProblem(path: string): string | null {
  try {
    const s = statSync(path);
    if (!s.isFile()) return 'is not a file';
    return s.size === 0 ? 'is empty' : null;
  } catch {
    return 'does not exist';
  }
}
