import { execFile, spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { RemoteEngine } from '../../src-main/hosts/helper/remote-engine.ts';
import type { HelperReady } from '../../src-main/hosts/helper/helper-protocol.ts';
import { waitForLine } from '../support/netns.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { build: Record<string, any>; author?: unknown; homepage?: unknown };
const build = manifest.build;

/**
 * electron-builder's configuration, checked as far as is possible without an Electron binary:
 * electron-builder's own schema, the files it names, and the Linux helper path run in the
 * packaged layout (the app's binary in Node mode stood in for by node).
 */
describe('the installers configuration', () => {
  const work: string[] = [];
  afterAll(async () => {
    for (const w of work) await rm(w, { recursive: true, force: true });
  });

  it("passes electron-builder's own schema validation", async () => {
    const require = createRequire(join(ROOT, 'node_modules', 'app-builder-lib', 'package.json'));
    const { validateConfiguration } = require('./out/util/config/config.js') as { validateConfiguration(c: unknown, log: unknown): Promise<void> };
    await expect(validateConfiguration(build, { isEnabled: false, add() {} })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...build, nsis: { ...build.nsis, perMachin: true } }, { isEnabled: false, add() {} })).rejects.toThrow(/configuration\.nsis/);
  });

  it('builds AppImage + deb, dmg and a per-machine NSIS installer, with icons, author, homepage and the .iso association', () => {
    expect(build.linux.target).toEqual(['AppImage', 'deb']);
    expect(build.mac.target).toBe('dmg');
    expect(build.win.target).toBe('nsis');
    expect(build.nsis.perMachine).toBe(true);
    expect(build.mac.hardenedRuntime).toBe(true);
    expect(build.mac.notarize).toBe(true); // credentials come from APPLE_* in the environment
    expect(build.mac.extendInfo.NSLocalNetworkUsageDescription).toMatch(/network/);
    expect(manifest.author).toBeTruthy();
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(build.fileAssociations).toEqual([expect.objectContaining({ ext: 'iso' })]);
    const named = [build.linux.icon, build.mac.icon, build.win.icon, build.mac.entitlements, build.nsis.include, build.deb.afterInstall, build.deb.afterRemove,
      ...[...build.extraResources, ...build.linux.extraResources].map((r: { from: string }) => r.from).filter((f: string) => !f.startsWith('out/'))];
    expect(named.filter((f: string) => !existsSync(join(ROOT, f)))).toEqual([]);
  });

  it('opens the firewall on Windows for exactly the default ports, and closes it on uninstall', async () => {
    const nsh = await readFile(join(ROOT, build.nsis.include), 'utf8');
    const install = /!macro customInstall([\s\S]*?)!macroend/.exec(nsh)![1]!;
    const uninstall = /!macro customUnInstall([\s\S]*?)!macroend/.exec(nsh)![1]!;
    expect(install).toMatch(/add rule name="Bootcast \(UDP\)"[^\n]*protocol=UDP localport=67,69,4011/);
    expect(install).toMatch(/add rule name="Bootcast \(TCP\)"[^\n]*protocol=TCP localport=80,10809/);
    expect(uninstall).toContain('delete rule name="Bootcast (UDP)"');
    expect(uninstall).toContain('delete rule name="Bootcast (TCP)"');
  });

  it("ships a polkit action whose exec.path is where the deb installs the helper", async () => {
    const policy = await readFile(join(ROOT, 'build/linux/org.bootcast.engine.policy'), 'utf8');
    const path = /exec\.path">([^<]+)</.exec(policy)![1]!;
    const helperTo = build.linux.extraResources.find((r: { to: string }) => r.to.endsWith('bootcast-engine-helper')).to;
    expect(path).toBe(`/opt/${build.productName}/resources/${helperTo}`);
    expect(policy).toContain('<allow_active>auth_admin_keep</allow_active>');
    if (existsSync('/usr/bin/xmllint')) await run('xmllint', ['--noout', join(ROOT, 'build/linux/org.bootcast.engine.policy')]);
  });

  it.skipIf(process.getuid?.() !== 0)('runs the engine helper from the packaged layout: bundled CLI, resources beside it, the app binary in Node mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bootcast-layout-'));
    work.push(dir);
    const app = join(dir, 'opt', 'Bootcast');
    await mkdir(join(app, 'resources', 'helper'), { recursive: true });
    // The same bundle `npm run build:cli` makes, written into the layout instead of out/cli.
    const scripts = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    await run('sh', ['-c', `npx ${scripts['build:cli']!.replace('--outdir=out/cli', `--outdir=${join(app, 'resources', 'cli')}`)}`], { cwd: ROOT });
    await cp(join(ROOT, 'resources'), join(app, 'resources', 'resources'), { recursive: true });
    await cp(join(ROOT, 'build/linux/bootcast-engine-helper'), join(app, 'resources', 'helper', 'bootcast-engine-helper'));
    // ws is the bundle's one external import: extraResources puts it beside cli/ (app.asar is not on Node's resolution path from there).
    const wsEntry = build.extraResources.find((r: { from: string }) => r.from === 'node_modules/ws');
    expect(wsEntry).toEqual({ from: 'node_modules/ws', to: 'node_modules/ws' });
    await mkdir(join(app, 'resources', 'node_modules'));
    await cp(join(ROOT, wsEntry.from), join(app, 'resources', wsEntry.to), { recursive: true });
    // The Electron binary stand-in: only Node mode is used by the helper, and it must be asked for.
    await writeFile(join(app, 'bootcast'), `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || { echo "not in Node mode" >&2; exit 9; }\nexec '${process.execPath}' "$@"\n`);
    await chmod(join(app, 'bootcast'), 0o755);
    const runDir = join(dir, 'run');
    await mkdir(runDir);
    const data = join(dir, 'data');
    const child = spawn(join(app, 'resources', 'helper', 'bootcast-engine-helper'), ['--run-dir', runDir], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, PKEXEC_UID: '0' } });
    const token = 'a-token-long-enough-for-the-helper';
    child.stdin.write(JSON.stringify({ token, dataDir: data, ownerUid: 0, ownerGid: 0 }) + '\n');
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const [line] = await waitForLine(child, /^\{.*\}$/, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${err}`);
    });
    const ready = JSON.parse(line!) as HelperReady;
    expect(ready).toMatchObject({ ready: true });
    const remote = await RemoteEngine.attach((ready as { socket: string }).socket, token);
    // Answered by the packaged engine: a list of boot-interface choices, loopback never among them.
    const interfaces = await remote.call('network.interfaces', undefined);
    expect(Array.isArray(interfaces)).toBe(true);
    expect(interfaces.some((i) => i.name === 'lo')).toBe(false);
    remote.close();
    child.stdin.end();
    expect(await exited).toBe(0);
  }, 60_000);
});
