// Where the desktop app keeps its log files: the folder each OS's users and support tools look in.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function desktopLogDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return join(homedir(), 'Library', 'Logs', 'Bootcast');
    case 'win32':
      return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Bootcast', 'logs');
    default:
      return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'bootcast');
  }
}
