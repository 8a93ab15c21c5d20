/**
 * What a Windows Setup plan becomes once the run's install share is known: with the share, the
 * files wimboot injects into WinPE's \Windows\System32 (winpeshl.ini, the setup script, the
 * technician's answer file) join the plan's files, served from the image's generated tree; without
 * it, the plan says in its limits why Setup will not find its install files and what to do.
 * Pure: the engine decides the share, `iso info` the host's readiness.
 */
import type { BootPlan, WimbootFile } from '../../shared/api.ts';
import { windowsSetupFilePath } from '../image-urls.ts';
import { SETUP_SCRIPT_NAME, UNATTEND_NAME, WINPESHL_NAME } from './setup-source.ts';

export type SetupSourceView =
  /** The image is shared (or, for `iso info`, would be): inject, with the answer file when one lies beside the ISO. */
  | { unattend: boolean }
  /** Why there is no share: what is missing and what to do. */
  | { reason: string };

/** The sentence a plan's limits carry when Setup has no install source. */
export function noInstallSourceLimit(reason: string): string {
  return `Windows Setup starts but will not find its install files: ${reason}`;
}

/** The injected files, in the order iPXE hands them to wimboot. */
export function injectedSetupFiles(unattend: boolean): WimbootFile[] {
  const names = [WINPESHL_NAME, SETUP_SCRIPT_NAME, ...(unattend ? [UNATTEND_NAME] : [])];
  return names.map((name) => ({ name, path: windowsSetupFilePath(name) }));
}

export function withSetupSource(plans: BootPlan[], view: SetupSourceView | undefined): BootPlan[] {
  if (!view || !plans.some((p) => p.windowsSetup && p.via === 'wimboot')) return plans;
  return plans.map((p) => {
    if (!p.windowsSetup || p.via !== 'wimboot') return p;
    if ('reason' in view) return { ...p, limits: [...(p.limits ?? []), noInstallSourceLimit(view.reason)] };
    const extra = injectedSetupFiles(view.unattend);
    return { ...p, initrds: [...p.initrds, ...extra.map((f) => f.path)], wimbootFiles: [...(p.wimbootFiles ?? []), ...extra] };
  });
}
