// How the desktop starts its privileged engine on each OS (see build/README.md): the argv of the
// elevation tool and of the helper. Pure, so each case is tested without Electron.
import { join } from 'node:path';
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

export type HelperCommand = { elevate: string[]; command: string[] } | { unavailable: string };

export function helperCommand(f: HelperCommandFacts): HelperCommand {
  if (f.platform !== 'linux') {
    // macOS: an SMAppService daemon (or an `osascript … with administrator privileges` prompt) is
    // the plan; Windows needs no elevation for ports (the installer opened the firewall).
    return { unavailable: f.platform === 'win32' ? 'not needed on Windows' : 'the macOS engine helper is not built yet: start Bootcast with `sudo` to serve on ports below 1024' };
  }
  const runDir = ['--run-dir', defaultRunDir(f.platform)];
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
