import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Bootcast keeps leases, settings, the image list and logs when the user names no
 * --data-dir: the platform's per-user application-data folder (the same one Electron's
 * app.getPath('userData') would pick, so the desktop app and `bootcast serve` share state).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Bootcast');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Bootcast');
    default:
      return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Bootcast');
  }
}
