import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.ts';
import { WIMBOOT_ENV } from '../../src-main/engine/wimboot-file.ts';
import type { NetInterfaceInfo } from '../../src-main/shared/api.ts';
import { freePort } from '../support/free-port.ts';
import { makeWindowsMedia } from '../support/windows-media.ts';

/**
 * Windows media in the engine, with and without the wimboot the technician supplies (Bootcast
 * does not bundle one). On loopback, DHCP off, curl as the client. Only the served bytes of
 * wimboot matter here, so a small file stands in for it.
 */
const LOOPBACK: NetInterfaceInfo[] = [
  { name: 'lo', addresses: [{ address: '127.0.0.1', prefixLength: 8 }], up: true, internal: true, defaultRoute: false, wireless: false, suggested: false, reason: '' },
];
const run = promisify(execFile);
const curl = async (...args: string[]) => (await run('curl', ['--max-time', '20', ...args], { encoding: 'buffer', maxBuffer: 16 << 20 })).stdout;
const STAND_IN = Buffer.from('stand-in for wimboot: only its bytes are checked\n');

describe('Windows plans and the supplied wimboot', () => {
  const work = mkdtempSync(join(tmpdir(), 'bootcast-engine-wimboot-'));
  const iso = join(work, 'WinPE_amd64.iso');
  const dataDir = join(work, 'data');
  let engine: Engine;
  let http = 0;
  const script = async () => (await curl('-sf', `http://127.0.0.1:${http}/boot.ipxe?mac=52:54:00:aa:bb:02&arch=x86_64&platform=efi`)).toString('utf8');
  const windowsPlan = async () => (await engine.call('images.list', undefined))[0]!.plans.find((p) => p.via === 'wimboot')!;

  beforeAll(async () => {
    delete process.env[WIMBOOT_ENV];
    await makeWindowsMedia(work, iso);
    engine = await Engine.create({ dataDir, images: [iso], listInterfaces: () => LOOPBACK });
    http = await freePort();
    await engine.call('server.updateSettings', { interface: 'lo', dhcpMode: 'off', ports: { dhcp: 67, proxyDhcp: 4011, http, tftp: await freePort(), nbd: await freePort() }, menuTimeoutSec: 0 });
    expect((await engine.call('server.start', undefined)).phase).toBe('running');
  }, 60_000);

  afterAll(async () => {
    await engine?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('without one: the plan is unbootable, says what to do, and the client is told the same and fetches nothing', async () => {
    const advice = `Bootcast does not bundle wimboot: download wimboot from the iPXE project's releases and place it at ${join(dataDir, 'wimboot')}, or pass --wimboot PATH`;
    expect((await windowsPlan()).unbootableReason).toBe(advice);
    const s = await script();
    expect(s).not.toMatch(/^kernel /m);
    const shown = s.split('\n').filter((l) => l.startsWith('echo ')).map((l) => l.slice(5)).join(' ');
    expect(shown).toContain(`cannot be network-booted: ${advice}`);
    await expect(curl('-sf', `http://127.0.0.1:${http}/wimboot`)).rejects.toThrow();
  });

  it('with one placed in the data directory while running: the plan boots and /wimboot serves its bytes', async () => {
    writeFileSync(join(dataDir, 'wimboot'), STAND_IN);
    expect((await windowsPlan()).unbootableReason).toBeUndefined();
    expect(await script()).toContain(`kernel http://127.0.0.1:${http}/wimboot || goto bc_fail`);
    expect(await curl('-sf', `http://127.0.0.1:${http}/wimboot`)).toEqual(STAND_IN);
  });

  it('takes --wimboot PATH over the data directory', async () => {
    const flagged = join(work, 'my-wimboot');
    writeFileSync(flagged, 'another stand-in');
    const other = await Engine.create({ dataDir: join(work, 'data2'), wimboot: flagged, images: [iso], listInterfaces: () => LOOPBACK });
    try {
      const plan = (await other.call('images.list', undefined))[0]!.plans.find((p) => p.via === 'wimboot')!;
      expect(plan.unbootableReason).toBeUndefined();
    } finally {
      await other.dispose();
    }
  });
});
