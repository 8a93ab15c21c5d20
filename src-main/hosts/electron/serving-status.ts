// What the tray, the close dialog and the power blocker need to know about serving, derived in
// one place from the engine's state and client list.
import type { ClientSummary, ServerState } from '../../shared/api.ts';

export interface ServingStatus {
  running: boolean;
  /** Machines part-way through booting: not done, seen recently. */
  booting: number;
  stalled: number;
  done: number;
}

/** A client not heard from for this long is no longer counted as booting (it was switched off). */
const QUIET_MS = 10 * 60_000;

export function servingStatus(state: ServerState, clients: ClientSummary[], now = Date.now()): ServingStatus {
  const recent = clients.filter((c) => now - Date.parse(c.lastSeen) < QUIET_MS);
  return {
    running: state.phase === 'running',
    booting: recent.filter((c) => c.stage !== 'done' && c.stage !== 'stalled').length,
    stalled: recent.filter((c) => c.stage === 'stalled').length,
    done: clients.filter((c) => c.stage === 'done').length,
  };
}

export function trayTitle(s: ServingStatus): string {
  if (!s.running) return 'Bootcast — not serving';
  const parts = [`${s.booting} booting`];
  if (s.stalled) parts.push(`${s.stalled} stuck`);
  if (s.done) parts.push(`${s.done} done`);
  return `Bootcast — serving: ${parts.join(', ')}`;
}

/** Closing the window would cut off machines that still load files from us: ask first. */
export function closeNeedsAsking(s: ServingStatus, keepServing: boolean): boolean {
  return s.running && !keepServing && (s.booting > 0 || s.stalled > 0);
}

/** Notifications worth a sound: a machine finished, or got stuck. */
export function notableChange(before: ClientSummary | undefined, after: ClientSummary): 'done' | 'stalled' | null {
  if (after.stage === before?.stage) return null;
  if (after.stage === 'done') return 'done';
  if (after.stage === 'stalled') return 'stalled';
  return null;
}

/** .iso paths among command-line arguments (file association, second instance). */
export function isoArguments(argv: string[]): string[] {
  return argv.filter((a) => !a.startsWith('-') && /\.iso$/i.test(a));
}
