import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Whether this host can share a Windows Setup ISO over SMB by itself, and if not, the sentence
 * that says what is missing and what to do. Read by the share before it starts, by the engine
 * for the image cards while stopped, and by `bootcast iso info`.
 */
export interface ShareHostFacts {
  platform: NodeJS.Platform;
  root: boolean;
  /** Path of Samba's smbd, or null when not installed. */
  smbd: string | null;
}

export const MANUAL_FALLBACK = 'or share the ISO yourself and map it from Setup (docs/windows-setup.md, "By hand")';

export function shareHostFacts(env: NodeJS.ProcessEnv = process.env): ShareHostFacts {
  return { platform: process.platform, root: process.getuid?.() === 0, smbd: findSmbd(env) };
}

/** null when the share can start here, else what is missing and what to do. */
export function shareUnavailableReason(f: ShareHostFacts): string | null {
  if (f.platform === 'win32') return `Bootcast does not start the share on Windows yet: mount the ISO and share its drive read-only with New-SmbShare, ${MANUAL_FALLBACK}`;
  if (f.platform === 'darwin') return `Bootcast does not start the share on macOS yet: attach the ISO with hdiutil and share it through File Sharing, ${MANUAL_FALLBACK}`;
  if (f.platform !== 'linux') return `no SMB share support on ${f.platform}: ${MANUAL_FALLBACK}`;
  if (!f.smbd) return `Samba's smbd is not installed: install it (Debian/Ubuntu: sudo apt install samba; Fedora: sudo dnf install samba) and start again, ${MANUAL_FALLBACK}`;
  if (!f.root) return `the share needs root (it mounts the ISO and serves SMB on port 445): run Bootcast as root (sudo bootcast serve …), ${MANUAL_FALLBACK}`;
  return null;
}

/** smbd lives in sbin, which a user's PATH often lacks. */
function findSmbd(env: NodeJS.ProcessEnv): string | null {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'].filter(Boolean);
  for (const d of dirs) {
    const p = join(d, 'smbd');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}
