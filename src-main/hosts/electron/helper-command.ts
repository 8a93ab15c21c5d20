// How the desktop starts its privileged engine on each OS (see build/README.md): the argv of the
// elevation tool and of the helper. Pure, so each case is tested without Electron.
import { join } from 'node:path';
import { osascriptElevation } from '../helper/helper-launcher.ts';
import { defaultRunDir } from '../helper/helper-protocol.ts';

export interface HelperCommandFacts {
  platform: NodeJS.Platform;
  isPackaged: boolean;
  /** process.resourcesPath when packaged; the checkout when not. */
  resourcesPath: string;
  appPath: string;
  execPath: string;
  exists: (path: string) => boolean;
}

export type HelperCommand = { elevate: string[] | ((shellCommand: string) => string[]); command: string[] } | { unavailable: string };

export function helperCommand(f: HelperCommandFacts): HelperCommand {
  // Windows needs no elevation for ports: the installer opened the firewall.
  if (f.platform === 'win32') return { unavailable: 'not needed on Windows' };
  const runDir = ['--run-dir', defaultRunDir(f.platform)];
  if (f.platform === 'darwin') {
    // First step: the standard administrator prompt, once per session. The SMAppService launchd
    // daemon (asked once, ever) replaces it when the app is signed for it.
    const cli = f.isPackaged ? join(f.resourcesPath, 'cli', 'run.mjs') : join(f.appPath, 'out', 'cli', 'run.mjs');
    const resources = f.isPackaged ? join(f.resourcesPath, 'resources') : join(f.appPath, 'resources');
    return { elevate: osascriptElevation, command: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', f.execPath, cli, 'engine-helper', '--resources-dir', resources, ...runDir] };
  }
  if (f.platform !== 'linux') return { unavailable: `no engine helper for ${f.platform}: run Bootcast as administrator` };
  // The deb: the polkit action names this exact file, so the prompt is Bootcast's own.
  const installed = join(f.resourcesPath, 'helper', 'bootcast-engine-helper');
  if (f.isPackaged && f.exists('/usr/share/polkit-1/actions/org.bootcast.engine.policy') && f.exists(installed)) {
    return { elevate: ['pkexec'], command: [installed, ...runDir] };
  }
  // AppImage or unpacked build: pkexec's generic action, one prompt per start. pkexec clears the
  // environment, so Node mode is set through env(1).
  const cli = f.isPackaged ? join(f.resourcesPath, 'cli', 'run.mjs') : join(f.appPath, 'out', 'cli', 'run.mjs');
  const resources = f.isPackaged ? join(f.resourcesPath, 'resources') : join(f.appPath, 'resources');
  return { elevate: ['pkexec'], command: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', f.execPath, cli, 'engine-helper', '--resources-dir', resources, ...runDir] };
}
