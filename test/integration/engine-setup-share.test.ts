import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.ts';
import { shareHostFacts, type ShareHostFacts } from '../../src-main/net/setup-share/share-host.ts';
import type { NetInterfaceInfo } from '../../src-main/shared/api.ts';
import type { TimelineEvent } from '../../src-main/shared/timeline-event.ts';
import { bindTreeMounter, isMountPoint, smbdProcessesWith } from '../support/bind-mounter.ts';
import { freePort } from '../support/free-port.ts';
import { makeWindowsMedia } from '../support/windows-media.ts';

/**
 * The Windows Setup share through the engine's one API, on loopback (DHCP off; smbd on
 * 127.0.0.1 and a free port, since WinPE's fixed 445 is not needed by smbclient): the run starts
 * the share, the Setup plan gains the files wimboot injects, the boot script hands them over,
 * HTTP serves them generated for this share (and the technician's answer file), the timeline
 * shows the transfers and the share's notice, and stop leaves no smbd and no mount. The ISO
 * mount is a bind of its tree (no UDF in this kernel: test/support/bind-mounter.ts).
 */
const LOOPBACK: NetInterfaceInfo[] = [
  { name: 'lo', addresses: [{ address: '127.0.0.1', prefixLength: 8 }], up: true, internal: true, defaultRoute: false, wireless: false, suggested: false, reason: '' },
];
const run = promisify(execFile);
const curl = async (...args: string[]) => (await run('curl', ['--max-time', '20', ...args], { encoding: 'buffer', maxBuffer: 16 << 20 })).stdout;
const UNATTEND = '<?xml version="1.0"?><unattend xmlns="urn:schemas-microsoft-com:unattend"/>\n';
const canRun = process.getuid?.() === 0 && shareHostFacts().smbd !== null;

describe.skipIf(!canRun)('the engine\'s Windows Setup share', () => {
  const work = mkdtempSync(join(tmpdir(), 'bootcast-engine-share-'));
  const iso = join(work, 'Win11_24H2.iso');
  const dataDir = join(work, 'data');
  const configFile = join(dataDir, 'setup-share', 'smbd', 'smb.conf');
  let facts: ShareHostFacts = shareHostFacts();
  let engine: Engine;
  let tree = '';
  let http = 0;
  let smbPort = 0;
  const events: TimelineEvent[] = [];
  beforeEach(() => {
    facts = shareHostFacts();
  });
  const base = () => `http://127.0.0.1:${http}`;
  const script = async () => (await curl('-sf', `${base()}/boot.ipxe?mac=52:54:00:aa:bb:05&arch=x86_64&platform=efi`)).toString('utf8');
  const setupPlan = async () => (await engine.call('images.list', undefined))[0]!.plans.find((p) => p.windowsSetup)!;
  const restart = async () => {
    await engine.call('server.stop', undefined);
    return engine.call('server.start', undefined);
  };

  beforeAll(async () => {
    tree = await makeWindowsMedia(work, iso, { setup: true });
    chmodSync(work, 0o755);
    writeFileSync(join(work, 'Win11_24H2.autounattend.xml'), UNATTEND);
    smbPort = await freePort();
    engine = await Engine.create({
      dataDir,
      images: [iso],
      listInterfaces: () => LOOPBACK,
      testSeam: { setupShare: { mounter: bindTreeMounter(() => tree), port: smbPort, host: () => facts } },
    });
    writeFileSync(join(dataDir, 'wimboot'), 'stand-in for wimboot\n');
    engine.onTimelineEvent((e) => events.push(e));
    http = await freePort();
    await engine.call('server.updateSettings', { interface: 'lo', dhcpMode: 'off', ports: { dhcp: 67, proxyDhcp: 4011, http, tftp: await freePort(), nbd: await freePort() }, menuTimeoutSec: 0 });
  }, 90_000);

  afterAll(async () => {
    await engine?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('starts the share with the run, injects winpeshl.ini, the setup script and the answer file, and serves them for this share', async () => {
    const st = await engine.call('server.start', undefined);
    expect(st.phase).toBe('running');
    const id = (await engine.call('images.list', undefined))[0]!.id;
    const unc = `\\\\127.0.0.1\\bootcast-${id}`;
    expect(st.setupShare).toEqual({ status: 'serving', message: expect.stringContaining(unc), shares: [{ imageId: id, unc }] });
    expect(st.services.find((s) => s.name === 'smb')).toMatchObject({ listening: true, address: '127.0.0.1', port: smbPort });

    const plan = await setupPlan();
    expect(plan.wimbootFiles!.slice(-3).map((f) => f.name)).toEqual(['winpeshl.ini', 'bootcast-setup.cmd', 'autounattend.xml']);
    expect(plan.limits ?? []).toEqual([]);
    const s = await script();
    const urls = [...s.matchAll(/^initrd --name (winpeshl\.ini|bootcast-setup\.cmd|autounattend\.xml) (\S+) /gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(urls.map(([n]) => n)).toEqual(['winpeshl.ini', 'bootcast-setup.cmd', 'autounattend.xml']);
    const got = Object.fromEntries(await Promise.all(urls.map(async ([n, u]) => [n, (await curl('-sf', '-g', u)).toString('utf8')] as const)));
    expect(got['winpeshl.ini']).toBe('[LaunchApps]\r\n%SYSTEMROOT%\\System32\\bootcast-setup.cmd\r\n');
    expect(got['bootcast-setup.cmd']).toContain(`net use S: ${unc} /user:guest ""`);
    expect(got['bootcast-setup.cmd']).toContain('S:\\setup.exe /unattend:%SYSTEMROOT%\\System32\\autounattend.xml');
    expect(got['autounattend.xml']).toBe(UNATTEND);

    // What the technician sees on the timeline: the share's notice and each injected file, in full, as part of the plan.
    await new Promise((r) => setTimeout(r, 300));
    expect(events.some((e) => e.kind === 'server.notice' && e.source === 'smb' && e.message.includes(unc))).toBe(true);
    for (const name of ['winpeshl.ini', 'bootcast-setup.cmd', 'autounattend.xml']) {
      const done = events.find((e) => e.kind === 'http.done' && e.path.endsWith(`/windows-setup/${name}`));
      expect(done, name).toMatchObject({ image: id, role: 'initrd', status: 200 });
    }

    // The share itself, as Setup reaches it.
    const listing = (await run('smbclient', ['-N', `//127.0.0.1/bootcast-${id}`, '-p', String(smbPort), '-c', 'ls sources\\*'])).stdout;
    expect(listing).toMatch(new RegExp(`install\\.wim\\s+[A-Z]+\\s+${readFileSync(join(tree, 'sources', 'install.wim')).byteLength}\\b`));
  }, 90_000);

  it('stop leaves no smbd and no mount, and the plan no longer injects', async () => {
    const mounts = join(dataDir, 'setup-share', 'mnt');
    expect(smbdProcessesWith(configFile).length).toBeGreaterThan(0);
    const st = await engine.call('server.stop', undefined);
    expect(st.setupShare).toBeUndefined();
    expect(smbdProcessesWith(configFile)).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(mounts);
    expect((await setupPlan()).wimbootFiles!.map((f) => f.name)).not.toContain('winpeshl.ini');
  }, 60_000);

  it('turned off: no share, the plan says Setup will not find its files and how to turn it on, nothing is injected', async () => {
    await engine.call('server.updateSettings', { windowsSetupShare: false });
    const st = await engine.call('server.start', undefined);
    expect(st.setupShare).toMatchObject({ status: 'off', shares: [] });
    expect((await setupPlan()).limits!.join(' ')).toMatch(/will not find its install files: the Windows Setup share is turned off .*--setup-share off/);
    expect(await script()).not.toContain('winpeshl.ini');
    expect(st.services.some((s) => s.name === 'smb')).toBe(false);
    await engine.call('server.updateSettings', { windowsSetupShare: true });
  }, 60_000);

  it('without smbd on the host: the run still serves WinPE, and state, timeline and plan say to install samba', async () => {
    facts = { ...shareHostFacts(), smbd: null };
    const st = await restart();
    expect(st.phase).toBe('running');
    expect(st.setupShare).toMatchObject({ status: 'unavailable', message: expect.stringContaining('sudo apt install samba') });
    expect(st.services.find((s) => s.name === 'smb')).toMatchObject({ listening: false, error: expect.stringContaining('smbd is not installed') });
    expect(events.some((e) => e.kind === 'server.warning' && e.source === 'smb' && /install samba/.test(e.message))).toBe(true);
    expect((await setupPlan()).limits!.join(' ')).toMatch(/will not find its install files: Samba's smbd is not installed/);
    expect(await script()).toMatch(/^initrd --name boot\.wim /m);
    expect(await script()).not.toContain('winpeshl.ini');
    const id = (await engine.call('images.list', undefined))[0]!.id;
    for (const p of ['winpeshl.ini', 'bootcast-setup.cmd']) {
      expect((await run('curl', ['-s', '-g', '-o', '/dev/null', '-w', '%{http_code}', `${base()}/images/${id}/[bootcast]/windows-setup/${p}`])).stdout).toBe('404');
    }
    await engine.call('server.stop', undefined);
    facts = shareHostFacts();
    expect((await setupPlan()).limits ?? []).toEqual([]);
  }, 60_000);

  it('not root: says to run Bootcast as root, even before the server starts', async () => {
    facts = { ...shareHostFacts(), root: false };
    expect((await setupPlan()).limits!.join(' ')).toMatch(/needs root .*\(sudo bootcast serve/);
  });
});
