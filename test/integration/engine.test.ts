import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.ts';
import { NbdOpt, decodeServerEntry, encodeOption } from '../../src-main/protocol/nbd/index.ts';
import { freePort } from '../support/free-port.ts';
import { RawNbdClient } from '../support/nbd-raw-client.ts';
import type { NetInterfaceInfo } from '../../src-main/shared/api.ts';

/**
 * The engine as the hosts drive it, through its API only, on loopback with DHCP off (no DHCP
 * ever runs outside a namespace): the library, the boot script, files served straight from the
 * ISO over HTTP and TFTP to curl, the client timeline, and start/stop/errors.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const LOOPBACK: NetInterfaceInfo[] = [
  { name: 'lo', addresses: [{ address: '127.0.0.1', prefixLength: 8 }], up: true, internal: true, defaultRoute: false, wireless: false, suggested: false, reason: '' },
];


// The servers run in this process: a client must be run asynchronously, or it would wait on an
// event loop that execFileSync holds.
const run = promisify(execFile);
const curl = async (...args: string[]) => (await run('curl', ['--max-time', '20', ...args], { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('Engine over its API', () => {
  const work = mkdtempSync(join(tmpdir(), 'bootcast-engine-'));
  const iso = join(work, 'tiny-arch.iso');
  let engine: Engine;
  let http = 0;
  let tftp = 0;
  let nbd = 0;

  beforeAll(async () => {
    execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { stdio: 'ignore' });
    engine = await Engine.create({ dataDir: join(work, 'data'), listInterfaces: () => LOOPBACK });
    [http, tftp] = [await freePort(), await freePort()];
    nbd = await freePort();
    await engine.call('server.updateSettings', { interface: 'lo', dhcpMode: 'off', ports: { dhcp: 67, proxyDhcp: 4011, http, tftp, nbd }, menuTimeoutSec: 0 });
  });

  afterAll(async () => {
    await engine?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('adds an archiso-layout image and reports its recipe and plans', async () => {
    const [info] = await engine.call('images.add', { paths: [iso] });
    expect(info).toMatchObject({ id: 'tiny-arch', recipe: 'archiso', fileName: 'tiny-arch.iso' });
    expect(info!.plans.map((p) => p.id)).toEqual(expect.arrayContaining(['http', 'nbd']));
    expect(info!.selectedPlan).toBe('http');
  });

  it('refuses a path that does not exist, naming it', async () => {
    await expect(engine.call('images.add', { paths: [join(work, 'missing.iso')] })).rejects.toThrow(/There is no file at .*missing\.iso/);
  });

  it('refuses bad settings with the field named', async () => {
    await expect(engine.call('server.updateSettings', { dhcpMode: 'sometimes' as never })).rejects.toThrow(/dhcpMode must be one of/);
    await expect(engine.call('server.updateSettings', { colour: 'red' } as never)).rejects.toThrow(/'colour' is not a setting/);
    await expect(engine.call('server.updateSettings', { interface: 'no-such-if0' })).rejects.toThrow(/interface 'no-such-if0' does not exist/);
    await expect(engine.call('server.updateSettings', { range: { first: '1.2.3.4', last: '9.9.9.9' } })).rejects.toThrow(/range 1\.2\.3\.4-9\.9\.9\.9 is not inside lo's subnet/);
    await expect(engine.call('server.updateSettings', { range: { first: '127.0.0.1', last: '127.0.0.9' } })).rejects.toThrow(/contains lo's own address 127\.0\.0\.1/);
    await expect(engine.call('server.updateSettings', { limits: { httpMaxConnections: -1 } })).rejects.toThrow(/limits\.httpMaxConnections must be a whole number/);
    await expect(engine.call('server.updateSettings', { windowsSetupShare: 'yes' as never })).rejects.toThrow(/windowsSetupShare must be true or false, not 'yes'/);
    await expect(engine.call('nat.enable', {})).rejects.toThrow(/not the loopback interface lo/);
    expect((await engine.call('server.settings', undefined)).interface).toBe('lo');
  });

  it('starts on the chosen interface and serves per-client boot scripts and files from inside the ISO', async () => {
    const state = await engine.call('server.start', undefined);
    expect(state.phase).toBe('running');
    expect(state.services.map((s) => s.name).sort()).toEqual(['http', 'nbd', 'tftp']);

    const mac = '52:54:00:aa:bb:01';
    const script = (await curl('-sf', `http://127.0.0.1:${http}/boot.ipxe?mac=${mac}&arch=x86_64&platform=efi`)).toString('utf8');
    expect(script).toMatch(/^#!ipxe/);
    expect(script).toContain(`http://127.0.0.1:${http}/images/tiny-arch/arch/boot/x86_64/vmlinuz-linux`);
    expect(script).toContain('BOOTIF=01-52-54-00-aa-bb-01');

    const viaHttp = await curl('-sf', `http://127.0.0.1:${http}/images/tiny-arch/arch/boot/x86_64/vmlinuz-linux`);
    const viaTftp = await curl('-sf', '--tftp-blksize', '1428', `tftp://127.0.0.1:${tftp}/images/tiny-arch/arch/boot/x86_64/initramfs-linux.img`);
    const extract = join(work, 'x');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/arch/boot/x86_64', extract], { stdio: 'ignore' });
    expect(sha(viaHttp)).toBe(sha(readFileSync(join(extract, 'vmlinuz-linux'))));
    expect(sha(viaTftp)).toBe(sha(readFileSync(join(extract, 'initramfs-linux.img'))));

    // The lookup ignores case, as boot configs often spell names differently than the image.
    await curl('-sf', '-o', '/dev/null', `http://127.0.0.1:${http}/images/tiny-arch/ARCH/BOOT/X86_64/VMLINUZ-LINUX`);
    // Nothing outside the image and the bundled loaders is reachable.
    await expect(curl('-sf', '--path-as-is', `http://127.0.0.1:${http}/images/tiny-arch/../../etc/passwd`)).rejects.toThrow();
    await expect(curl('-sf', `tftp://127.0.0.1:${tftp}/../../etc/passwd`)).rejects.toThrow();
  });

  it('puts the client on the timeline by its MAC, with the kernel download in order', async () => {
    await new Promise((r) => setTimeout(r, 400));
    const detail = await engine.call('clients.get', { mac: '52:54:00:aa:bb:01' });
    expect(detail).not.toBeNull();
    expect(detail!.firmware).toBe('uefi');
    expect(detail!.image).toBe('tiny-arch');
    const kinds = detail!.events.map((e) => `${e.kind} ${'path' in e ? e.path : ''}`);
    const script = kinds.findIndex((k) => k.startsWith('boot.script'));
    const kernel = kinds.findIndex((k) => k === 'http.done /images/tiny-arch/arch/boot/x86_64/vmlinuz-linux');
    expect(script).toBeGreaterThanOrEqual(0);
    expect(kernel).toBeGreaterThan(script);
    const exported = await engine.call('log.export', undefined);
    expect(exported).toContain('"client":"52:54:00:aa:bb:01"');
  });

  it('lists NBD exports by image id only: file names stay private to the technician', async () => {
    const client = await RawNbdClient.negotiating(nbd);
    client.send(encodeOption(NbdOpt.LIST));
    const replies = await client.optionReplies();
    expect(replies.slice(0, -1).map((r) => decodeServerEntry(r.data))).toEqual([{ name: 'tiny-arch' }]);
    client.destroy();
  });

  it('applies limits from the settings to the running servers, and warns on the timeline when one is reached', async () => {
    await engine.call('server.updateSettings', { limits: { httpMaxConnectionsPerAddress: 1 } });
    const warned = new Promise<unknown>((resolve) => {
      const d = engine.onTimelineEvent((e) => {
        if (e.kind === 'server.warning' && /httpMaxConnectionsPerAddress/.test(String((e as { message?: unknown }).message))) {
          d.dispose();
          resolve(e);
        }
      });
    });
    const held = connect(http, '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    try {
      const status = (await run('curl', ['--max-time', '20', '-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${http}/boot.ipxe`])).stdout;
      expect(status).toBe('503');
      expect(await warned).toMatchObject({ kind: 'server.warning', source: 'http' });
    } finally {
      held.destroy();
      await engine.call('server.updateSettings', { limits: {} });
    }
    expect((await curl('-sf', `http://127.0.0.1:${http}/boot.ipxe`)).toString()).toMatch(/^#!ipxe/);
  });

  it('never serves an image changed on disk with its old layout: refuses it while broken, re-reads it once whole again', async () => {
    const kernelUrl = `http://127.0.0.1:${http}/images/tiny-arch/arch/boot/x86_64/vmlinuz-linux`;
    const good = await curl('-sf', kernelUrl);
    const original = readFileSync(iso);
    try {
      truncateSync(iso, 64 * 1024);
      const status = (await run('curl', ['--max-time', '20', '-s', '-o', '/dev/null', '-w', '%{http_code}', kernelUrl])).stdout;
      expect(status).toBe('500');
    } finally {
      writeFileSync(iso, original);
    }
    expect(sha(await curl('-sf', kernelUrl))).toBe(sha(good));
  });

  it('stops every server, and a second engine on a port in use reports which port and what to do', async () => {
    const other = await Engine.create({ dataDir: join(work, 'data2'), listInterfaces: () => LOOPBACK });
    try {
      await other.call('server.updateSettings', { interface: 'lo', dhcpMode: 'off', ports: { dhcp: 67, proxyDhcp: 4011, http, tftp: await freePort(), nbd: await freePort() } });
      const failed = await other.call('server.start', undefined);
      expect(failed.phase).toBe('error');
      expect(failed.errors.join(' ')).toMatch(new RegExp(`127\\.0\\.0\\.1:${http} is already in use.*--http-port`));
      expect(failed.services.every((s) => !s.listening)).toBe(true);
    } finally {
      await other.dispose();
    }
    const stopped = await engine.call('server.stop', undefined);
    expect(stopped.phase).toBe('stopped');
    await expect(curl('-sf', '--max-time', '2', `http://127.0.0.1:${http}/boot.ipxe`)).rejects.toThrow();
  });
});
