import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';
import { QemuGuest, serialTail } from '../support/qemu-guest.ts';

/**
 * Machines with UEFI Secure Boot on, booted by real firmware: OVMF's Secure Boot build with
 * Microsoft's keys enrolled (OVMF_CODE_4M.secboot.fd + a fresh OVMF_VARS_4M.ms.fd, q35 with SMM).
 * The image is built at test time like a Debian live ISO from Debian's signed parts: shim
 * (shim-signed) as EFI/boot/bootx64.efi, the CD build of GRUB (gcdx64) beside it, and the d-i
 * netboot kernel, signed by Debian. Bootcast serves the image's shim, its bundled Debian network
 * GRUB (the CD build cannot read over the network) and a generated grub.cfg; the kernel and
 * initrd come over TFTP, the "live system" (a marker file) over HTTP through live-boot's fetch=.
 *
 *   always    the first attempt gets the signed chain and reaches the marker;
 *   auto      the first attempt gets iPXE, which the firmware refuses; Bootcast sees the machine ask
 *             again without running it, remembers it, and the next power-on boots the signed chain;
 *   negative  the same image with the kernel's signature stripped: Bootcast does not offer a chain
 *             Secure Boot would refuse, and the timeline says why.
 */
const ROOT = join(import.meta.dirname, '..', '..');
/** An `--events` line as read back: checked loosely, field by field, by the assertions. */
type EventLine = { kind: string; client?: string; [field: string]: unknown };
const lab = NetLab.available();
const firmwareThere = ['/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', '/usr/share/OVMF/OVMF_VARS_4M.ms.fd', '/usr/lib/shim/shimx64.efi.signed'].every(existsSync);
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bootcast', 'secure-boot');

/** Builds (once per day and kernel) the Debian-like test ISO; returns its path and marker. */
function testIso(name: string, env: Record<string, string>): { iso: string; marker: string } {
  mkdirSync(CACHE, { recursive: true });
  const kernel = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux';
  const stamp = `${readFileSync(kernel).length}-${new Date().toISOString().slice(0, 10)}`;
  const iso = join(CACHE, `${name}-${stamp}.iso`);
  const markerFile = `${iso}.marker`;
  if (!existsSync(iso) || !existsSync(markerFile)) {
    const out = execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), `${iso}.tmp`], { encoding: 'utf8', env: { ...process.env, ...env } });
    execFileSync('mv', [`${iso}.tmp`, iso]);
    execFileSync('sh', ['-c', `printf '%s' "$1" > "$2"`, 'sh', out.trim().split('\n').pop()!, markerFile]);
  }
  return { iso, marker: readFileSync(markerFile, 'utf8').trim() };
}

describe.skipIf(!lab.ok || !firmwareThere)('Secure Boot machines boot the image\'s own signed chain', () => {
  const net = new NetLab();
  const work = mkdtempSync(join(tmpdir(), 'bootcast-e2e-sb-'));
  let srv = '';
  let signed = { iso: '', marker: '' };
  let unsigned = { iso: '', marker: '' };

  beforeAll(() => {
    signed = testIso('debian-live-signed', { LAYOUT: 'debian-live' });
    unsigned = testIso('debian-live-unsigned', { LAYOUT: 'debian-live', STRIP_SIGNATURE: '1' });
    srv = net.addPxeLab({ server: 'sbsrv', internet: 'sbwan' }).server;
  });

  afterAll(async () => {
    await net.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  async function serve(tag: string, iso: string, mode: 'auto' | 'always'): Promise<{ stop: () => Promise<void>; events: () => EventLine[] }> {
    const events = join(work, `${tag}.events.jsonl`);
    const server: ChildProcess = net.spawn(srv, process.execPath, [join(ROOT, 'bin/bootcast.mjs'), 'serve', iso, '--interface', 'br0',
      '--dhcp', 'full', '--secure-boot', mode, '--events', events, '--data-dir', join(work, `${tag}-data`), '--menu-timeout', '0']);
    server.stderr?.on('data', (d: Buffer) => process.stderr.write(`[bootcast ${tag}] ${d.toString()}`));
    await waitForLine(server, /serving/i, 30_000);
    return {
      events: () => (existsSync(events) ? readFileSync(events, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventLine) : []),
      stop: () =>
        new Promise<void>((resolve) => {
          if (server.exitCode !== null) return resolve();
          server.once('exit', () => resolve());
          server.kill('SIGTERM');
        }),
    };
  }

  /** IPv6 network boot off: the firmware's retry after a refused loader comes a minute sooner (see QemuGuest). */
  function guest(tap: string, mac: string): QemuGuest {
    return new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap, firmware: 'uefi', secureBoot: true, noIpv6Boot: true, mac, workDir: work });
  }

  async function until<T>(what: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = what();
      if (v !== undefined || Date.now() > end) return v;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('always: shim → Debian network GRUB → the image\'s signed kernel, to the marker', async () => {
    const mac = '52:54:00:5b:00:01';
    const server = await serve('always', signed.iso, 'always');
    const g = guest('sbtap1', mac);
    try {
      g.start();
      const result = await g.waitFor(/BOOTCAST-E2E-(OK|FAIL)/, 300_000);
      expect(result.ok, `no marker after ${result.seconds.toFixed(0)} s; serial:\n${serialTail(result.serial)}`).toBe(true);
      expect(result.line).toContain(`BOOTCAST-E2E-OK http ${signed.marker}`);
      expect(result.serial).toContain('EFI stub: UEFI Secure Boot is enabled');

      const mine = server.events().filter((e) => e.client === mac);
      const chain = mine.find((e) => e.kind === 'boot.chain');
      expect(chain?.chain, JSON.stringify(chain)).toBe('signed');
      expect(String(chain?.reason)).toMatch(/always/);
      const tftp = mine.filter((e) => e.kind === 'tftp.done').map((e) => String(e.path));
      expect(tftp.some((p) => /secureboot\/[^/]+\/shimx64\.efi$/.test(p)), tftp.join(' ')).toBe(true);
      expect(tftp.some((p) => /secureboot\/[^/]+\/grubx64\.efi$/.test(p)), tftp.join(' ')).toBe(true);
      expect(tftp.some((p) => p.endsWith('/grub/grub.cfg')), tftp.join(' ')).toBe(true);
      expect(tftp.some((p) => p.endsWith('/live/vmlinuz')), tftp.join(' ')).toBe(true);
      expect(mine.some((e) => e.kind === 'http.done' && String(e.path).endsWith('/live/filesystem.squashfs'))).toBe(true);
    } finally {
      g.stop();
      await server.stop();
    }
  });

  it('auto: the firmware refuses iPXE, Bootcast remembers the machine, and its next attempt boots the signed chain', async () => {
    const mac = '52:54:00:5b:00:02';
    const server = await serve('auto', signed.iso, 'auto');
    const first = guest('sbtap2', mac);
    const second = guest('sbtap3', mac);
    try {
      first.start();
      // The firmware's next request after the refusal is UEFI HTTP boot, which the signed chain
      // does not serve (chain "none" for that request); the decision is what counts.
      const decided = await until(() => server.events().find((e) => e.client === mac && e.kind === 'boot.chain' && /refused/.test(String(e.reason))), 240_000);
      first.stop();
      const before = server.events().filter((e) => e.client === mac);
      expect(decided, `no signed-chain decision; events: ${before.map((e) => `${e.kind}:${String(e.path ?? e.chain ?? '')}`).join(' ')}\nserial:\n${serialTail(readFileSync(first.serialPath, 'latin1'))}`).toBeDefined();
      expect(String(decided!.reason)).toMatch(/refused/);
      expect(before.some((e) => e.kind === 'client.stalled' && e.code === 'loader-refused')).toBe(true);
      // The first attempt: iPXE chosen, its loader downloaded, then the decision; never a boot script.
      const ipxeChoice = before.findIndex((e) => e.kind === 'boot.chain' && e.chain === 'ipxe');
      const loader = before.findIndex((e) => e.kind === 'tftp.done' && /(snponly|ipxe)\.efi$/.test(String(e.path)));
      const decision = before.findIndex((e) => e.kind === 'boot.chain' && /refused/.test(String(e.reason)));
      expect(ipxeChoice).toBeGreaterThanOrEqual(0);
      expect(loader).toBeGreaterThan(ipxeChoice);
      expect(decision).toBeGreaterThan(loader);
      expect(before.some((e) => e.kind === 'boot.script')).toBe(false);
      expect(readFileSync(first.serialPath, 'latin1')).toMatch(/Access Denied/);

      second.start();
      const result = await second.waitFor(/BOOTCAST-E2E-(OK|FAIL)/, 300_000);
      expect(result.ok, `no marker after ${result.seconds.toFixed(0)} s; serial:\n${serialTail(result.serial)}`).toBe(true);
      expect(result.line).toContain(`BOOTCAST-E2E-OK http ${signed.marker}`);
      const after = server.events().filter((e) => e.client === mac).slice(before.length);
      const chain = after.find((e) => e.kind === 'boot.chain' && e.chain === 'signed');
      expect(String(chain?.reason), JSON.stringify(after.filter((e) => e.kind === 'boot.chain'))).toMatch(/Secure Boot machine/);
      expect(after.some((e) => e.kind === 'tftp.done' && /shimx64\.efi$/.test(String(e.path)))).toBe(true);
      expect(after.some((e) => e.kind === 'tftp.done' && /(snponly|ipxe)\.efi$/.test(String(e.path)))).toBe(false);
    } finally {
      first.stop();
      second.stop();
      await server.stop();
    }
  });

  it('negative: an image whose kernel is unsigned gets no signed chain, and the timeline says why', async () => {
    const mac = '52:54:00:5b:00:03';
    const server = await serve('unsigned', unsigned.iso, 'auto');
    const g = guest('sbtap4', mac);
    try {
      g.start();
      const verdict = await until(() => server.events().find((e) => e.client === mac && e.kind === 'boot.chain' && e.chain === 'none'), 240_000);
      const mine = server.events().filter((e) => e.client === mac);
      expect(verdict, `no verdict; events: ${mine.map((e) => e.kind).join(' ')}`).toBeDefined();
      expect(String(verdict!.reason)).toMatch(/refused/);
      expect(String(verdict!.reason)).toMatch(/kernel \/live\/vmlinuz is not signed/);
      const stalled = await until(() => server.events().find((e) => e.client === mac && e.kind === 'client.stalled' && e.code === 'loader-refused'), 30_000);
      expect(stalled, `no loader-refused stall; events: ${server.events().filter((e) => e.client === mac).map((e) => e.kind).join(' ')}`).toBeDefined();
      expect(String(stalled!.hint ?? stalled!.message ?? '')).toMatch(/Secure Boot/);
      expect(mine.some((e) => e.kind === 'tftp.done' && /shimx64\.efi$/.test(String(e.path)))).toBe(false);
    } finally {
      g.stop();
      await server.stop();
    }
  });
});
