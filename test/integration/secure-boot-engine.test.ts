import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.ts';
import type { LogEntry, NetInterfaceInfo } from '../../src-main/shared/api.ts';
import { freePort } from '../support/free-port.ts';

/**
 * The signed chain as the engine serves it, on loopback with DHCP off, fetched by curl over TFTP:
 * a Debian-like live image (Debian's shim, CD GRUB and signed kernel) gets its own shim and the
 * bundled Debian network GRUB under /secureboot/<id>/, and GRUB's /grub/grub.cfg boots its kernel.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const LOOPBACK: NetInterfaceInfo[] = [
  { name: 'lo', addresses: [{ address: '127.0.0.1', prefixLength: 8 }], up: true, internal: true, defaultRoute: false, wireless: false, suggested: false, reason: '' },
];
const run = promisify(execFile);
const tftpGet = async (port: number, path: string) =>
  (await run('curl', ['--max-time', '30', '--tftp-blksize', '1428', '-s', `tftp://127.0.0.1:${port}/${path}`], { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const there = ['/usr/lib/shim/shimx64.efi.signed', '/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed'].every(existsSync);

describe.skipIf(!there)('the engine serves an image\'s signed chain', () => {
  const work = mkdtempSync(join(tmpdir(), 'bootcast-sb-engine-'));
  const iso = join(work, 'debian-live.iso');
  const logs: LogEntry[] = [];
  let engine: Engine;
  let tftp = 0;
  let http = 0;

  beforeAll(async () => {
    execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { stdio: 'ignore', env: { ...process.env, LAYOUT: 'debian-live' } });
    engine = await Engine.create({ dataDir: join(work, 'data'), listInterfaces: () => LOOPBACK, onLog: (l) => logs.push(l) });
    [http, tftp] = [await freePort(), await freePort()];
    await engine.call('server.updateSettings', { interface: 'lo', dhcpMode: 'off', ports: { dhcp: 67, proxyDhcp: 4011, http, tftp, nbd: await freePort() }, menuTimeoutSec: 0 });
  });

  afterAll(async () => {
    await engine?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('reports the chain on the image, with the bundled GRUB in place of the CD build', async () => {
    const [info] = await engine.call('images.add', { paths: [iso] });
    expect(info!.secureBoot).toMatchObject({ usable: true, vendor: 'Debian Secure Boot CA', shim: '/EFI/boot/bootx64.efi', bundledGrub: 'secureboot/debian/grubnetx64.efi.signed' });
  });

  it('serves shim and GRUB from the image\'s virtual TFTP directory, and a grub.cfg that boots its kernel', async () => {
    expect((await engine.start()).phase).toBe('running');
    expect(sha(await tftpGet(tftp, 'secureboot/debian-live/shimx64.efi'))).toBe(sha(readFileSync('/usr/lib/shim/shimx64.efi.signed')));
    expect(sha(await tftpGet(tftp, 'secureboot/debian-live/grubx64.efi'))).toBe(sha(readFileSync(join(ROOT, 'resources/secureboot/debian/grubnetx64.efi.signed'))));
    const cfg = (await tftpGet(tftp, 'grub/grub.cfg')).toString();
    expect(cfg).toContain("linux '(tftp,127.0.0.1)/images/debian-live/live/vmlinuz' 'boot=live' 'components' 'console=ttyS0'");
    expect(cfg).toContain(`'fetch=http://127.0.0.1:${http}/images/debian-live/live/filesystem.squashfs'`);
    expect(cfg).toContain("initrd '(tftp,127.0.0.1)/images/debian-live/live/initrd.img'");
  });

  it('changes the Secure Boot setting while serving without restarting the servers', async () => {
    const before = logs.filter((l) => l.source === 'server' && /stopped/.test(l.message)).length;
    const s = await engine.call('server.updateSettings', { secureBootClients: 'always' });
    expect(s.secureBootClients).toBe('always');
    expect(logs.filter((l) => l.source === 'server' && /stopped/.test(l.message)).length).toBe(before);
    await expect(engine.call('server.updateSettings', { secureBootClients: 'sometimes' as never })).rejects.toThrow(/Secure Boot clients must be one of auto, always, never/);
  });

  it('remembers a machine the technician marks, and refuses a malformed request', async () => {
    expect(await engine.call('clients.setSecureBoot', { mac: '52-54-00-AA-BB-CC', secureBoot: true })).toBeNull(); // not seen yet
    const stored = JSON.parse(readFileSync(join(work, 'data', 'secure-boot-clients.json'), 'utf8')) as Record<string, { secureBoot: boolean }>;
    expect(stored['52:54:00:aa:bb:cc']?.secureBoot).toBe(true);
    await expect(engine.call('clients.setSecureBoot', { mac: 'nope', secureBoot: true })).rejects.toThrow(/clients.setSecureBoot takes/);
  });
});
