import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helperCommand, type HelperCommandFacts } from './helper-command.ts';
import { desktopLogDir } from './log-dir.ts';
import { RotatingLog } from './rotating-log.ts';
import { isoArguments } from './serving-status.ts';

const linux = (over: Partial<HelperCommandFacts> = {}): HelperCommandFacts => ({
  platform: 'linux', isPackaged: true, resourcesPath: '/opt/Bootcast/resources', appPath: '/opt/Bootcast/resources/app.asar', execPath: '/opt/Bootcast/bootcast',
  exists: () => true, ...over,
});

describe('how the desktop starts its privileged engine', () => {
  it("uses the deb's polkit action and helper when both are installed", () => {
    expect(helperCommand(linux())).toEqual({ elevate: ['pkexec'], command: ['/opt/Bootcast/resources/helper/bootcast-engine-helper', '--run-dir', '/run'] });
  });

  it('falls back to the generic pkexec action, with Node mode through env(1), for the AppImage and a checkout', () => {
    expect(helperCommand(linux({ resourcesPath: '/tmp/.mount_Boot/resources', execPath: '/tmp/.mount_Boot/bootcast', exists: () => false }))).toEqual({
      elevate: ['pkexec'],
      command: ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/tmp/.mount_Boot/bootcast', '/tmp/.mount_Boot/resources/cli/run.mjs', 'engine-helper', '--resources-dir', '/tmp/.mount_Boot/resources/resources', '--run-dir', '/run'],
    });
    const dev = helperCommand(linux({ isPackaged: false, appPath: '/src/bootcast', execPath: '/src/bootcast/node_modules/electron/dist/electron' }));
    expect(dev).toMatchObject({ command: expect.arrayContaining(['/src/bootcast/out/cli/run.mjs', '/src/bootcast/resources']) });
  });

  it('has no helper on Windows (the installer opened the firewall); on macOS asks through the administrator prompt', () => {
    expect(helperCommand(linux({ platform: 'win32' }))).toEqual({ unavailable: 'not needed on Windows' });
    const mac = helperCommand(linux({ platform: 'darwin', resourcesPath: '/Applications/Bootcast.app/Contents/Resources', execPath: '/Applications/Bootcast.app/Contents/MacOS/Bootcast' }));
    if (!('elevate' in mac) || Array.isArray(mac.elevate)) throw new Error('expected a prompt that takes a shell command');
    expect(mac.command).toEqual(['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', '/Applications/Bootcast.app/Contents/MacOS/Bootcast', '/Applications/Bootcast.app/Contents/Resources/cli/run.mjs',
      'engine-helper', '--resources-dir', '/Applications/Bootcast.app/Contents/Resources/resources', '--run-dir', '/var/run']);
    const [tool, flag, script] = mac.elevate(`exec '/x' < '/tmp/a "b"/in'`);
    expect([tool, flag]).toEqual(['osascript', '-e']);
    expect(script).toBe(`do shell script "exec '/x' < '/tmp/a \\"b\\"/in'" with prompt "Bootcast needs administrator rights to open network ports." with administrator privileges`);
  });
});

describe('desktop files and arguments', () => {
  it('keeps logs where each OS keeps them', () => {
    expect(desktopLogDir({ XDG_STATE_HOME: '/home/t/.state' }, 'linux')).toBe('/home/t/.state/bootcast');
    expect(desktopLogDir({ LOCALAPPDATA: 'C:\\Users\\t\\AppData\\Local' }, 'win32')).toContain(join('Bootcast', 'logs'));
    expect(desktopLogDir({}, 'darwin')).toMatch(/Library\/Logs\/Bootcast$/);
  });

  it('rotates the log file by size and keeps a bounded number of old ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bootcast-log-'));
    try {
      const log = new RotatingLog({ dir, maxBytes: 100, keep: 2 });
      for (let i = 0; i < 20; i++) log.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(30)}`);
      expect((await readdir(dir)).sort()).toEqual(['bootcast.1.log', 'bootcast.2.log', 'bootcast.log']);
      expect(await readFile(join(dir, 'bootcast.log'), 'utf8')).toContain('line 19');
      expect(await readFile(join(dir, 'bootcast.2.log'), 'utf8')).not.toContain('line 00');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes .iso paths from a launch or second-instance command line, not flags', () => {
    expect(isoArguments(['--no-sandbox', '/home/t/arch.ISO', 'notes.txt', '/x/ubuntu.iso'])).toEqual(['/home/t/arch.ISO', '/x/ubuntu.iso']);
  });
});
