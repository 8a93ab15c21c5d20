import { statSync } from 'node:fs';
import type { SetupSourceView } from '../boot/windows/setup-injection.ts';
import { shareNameFor, unattendFileFor } from '../boot/windows/setup-source.ts';
import { SetupShareService, type SetupShareOptions } from '../net/setup-share/setup-share-service.ts';
import { shareHostFacts, shareUnavailableReason, MANUAL_FALLBACK } from '../net/setup-share/share-host.ts';
import type { ImageInfo, ServerSettings, SetupShareState } from '../shared/api.ts';
import type { RunningServices } from './running-services.ts';

/**
 * The engine's side of the Windows Setup install share: which images one run shares, starting
 * the share among the run's services without ever failing the run (WinPE boots either way), and
 * how each Setup image's plan stands with it (injected files, or the reason there are none).
 */
export type ShareSeams = Pick<SetupShareOptions, 'mounter' | 'port' | 'wrapSmbd' | 'host'>;

export const SHARE_OFF = `the Windows Setup share is turned off (setting "windowsSetupShare", bootcast serve --setup-share off): turn it on, ${MANUAL_FALLBACK}`;

/** Answer files are a few KiB; anything larger is not one. */
export const MAX_UNATTEND_BYTES = 1 << 20;

export function isSetupImage(info: ImageInfo): boolean {
  return !info.error && info.plans.some((p) => p.windowsSetup && p.via === 'wimboot');
}

/** The technician's answer file for the ISO at `isoPath`, when one lies beside it (looked up at each use). */
export function unattendFile(isoPath: string): string | undefined {
  const path = unattendFileFor(isoPath);
  try {
    const s = statSync(path);
    return s.isFile() && s.size > 0 && s.size <= MAX_UNATTEND_BYTES ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the share for this run's Setup images into `services` ('smb'); undefined when none is
 * served. A failure is the state's message, never a thrown error.
 */
export async function startSetupShare(
  services: RunningServices,
  o: { images: ImageInfo[]; settings: ServerSettings; address: string; dataDir: string; seams?: ShareSeams },
): Promise<SetupShareState | undefined> {
  const images = o.images.filter(isSetupImage);
  if (images.length === 0) return undefined;
  if (o.settings.windowsSetupShare === false) return { status: 'off', message: SHARE_OFF, shares: [] };
  const shared = images.map((i) => ({ imageId: i.id, isoPath: i.path, share: shareNameFor(i.id) }));
  const service = new SetupShareService({ address: o.address, dataDir: o.dataDir, images: shared, ...o.seams });
  try {
    await services.start('smb', service, o.address, service.port);
  } catch (err) {
    return { status: 'unavailable', message: (err as Error).message, shares: [] };
  }
  const shares = shared.map((s) => ({ imageId: s.imageId, unc: `\\\\${o.address}\\${s.share}` }));
  return { status: 'serving', message: `Windows Setup finds its install files on ${shares.map((s) => s.unc).join(', ')} (read-only SMB)`, shares };
}

/**
 * How a Windows Setup image's plan stands: shared in this run → inject; a run without the share →
 * its reason; stopped → what would stop the share here (nothing said when it would start).
 */
export function setupSourceView(info: ImageInfo, share: SetupShareState | undefined, running: boolean, settings: ServerSettings, seams?: ShareSeams): SetupSourceView | undefined {
  if (!isSetupImage(info)) return undefined;
  if (share?.status === 'serving') {
    if (share.shares.some((s) => s.imageId === info.id)) return { unattend: unattendFile(info.path) !== undefined };
    return { reason: 'the image was added after the share started: stop and start serving to share it too' };
  }
  if (share) return { reason: share.message };
  if (running) return undefined;
  if (settings.windowsSetupShare === false) return { reason: SHARE_OFF };
  const why = shareUnavailableReason((seams?.host ?? shareHostFacts)());
  return why ? { reason: why } : undefined;
}

/** The log line and timeline event that announce a run's share state. */
export function shareAnnouncement(share: SetupShareState): { kind: 'server.notice' | 'server.warning'; level: 'info' | 'warn'; message: string } {
  if (share.status === 'unavailable') {
    return { kind: 'server.warning', level: 'warn', message: `Windows Setup share not started: ${share.message}. WinPE still boots; Setup will not find its install files.` };
  }
  const message = share.status === 'serving' ? `Windows Setup share started: ${share.message}` : `Windows Setup share not started: ${share.message}`;
  return { kind: 'server.notice', level: 'info', message };
}
