/**
 * How the Machines header groups clients: booting, done or stuck, from each summary's stage.
 * Pure; the one place that decides which stages count as which (the renderer's header and any
 * host's status line read it).
 */
import type { ClientStage, ClientSummary } from './api.ts';

export type BootState = 'booting' | 'done' | 'stuck';

export function bootStateOf(stage: ClientStage): BootState {
  if (stage === 'done') return 'done';
  if (stage === 'stalled') return 'stuck';
  return 'booting';
}

export function countBootStates(clients: readonly Pick<ClientSummary, 'stage'>[]): Record<BootState, number> {
  const counts: Record<BootState, number> = { booting: 0, done: 0, stuck: 0 };
  for (const c of clients) counts[bootStateOf(c.stage)]++;
  return counts;
}
