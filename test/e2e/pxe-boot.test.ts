import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';
import { QemuGuest, serialTail } from '../support/qemu-guest.ts';
import type { TimelineEvent } from '../../src-main/shared/timeline-event.ts';
import { readEventLine } from '../support/timeline-events.ts';

/**
 * The acceptance test of the product: real firmware network-boots an archiso-layout ISO from
 * `bootcast serve`, inside namespaces this test builds (198.18.0.0/15 only):
 *
 *   bcsrv: br0 198.18.0.1/24 (Bootcast, QEMU taps) + wan0 198.19.0.2/24 holding the default route,
 *          so a reply broadcast the naive way would leave through the wrong interface;
 *   bcrtr: rtr0 198.18.0.254 on the bridge, running dnsmasq as the LAN's existing DHCP server (proxy case).
 *
 * BIOS = SeaBIOS + iPXE ROM; UEFI = OVMF with EDK2's own PXE, which fetches snponly.efi by TFTP.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const lab = NetLab.available();

describe.skipIf(!lab.ok).each(['full', 'proxy'] as const)('network boot with --dhcp %s', (mode) => {
  const net = new NetLab();
  const work = mkdtempSync(join(tmpdir(), `bootcast-e2e-${mode}-`));
  const iso = join(work, 'archlinux-e2e.iso');
  const events = join(work, 'events.jsonl');
  let marker = '';
  let srv = '';

  beforeAll(async () => {
    marker = execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { encoding: 'utf8' }).trim().split('\n').pop()!;
    srv = net.addPxeLab({ server: 'bcsrv', internet: 'bcwan' }).server;
    if (mode === 'proxy') {
      const rtr = net.addNamespace('bcrtr');
      net.addVeth({ ns: rtr, ifname: 'rtr0', cidr: '198.18.0.254/24' }, { ns: srv, ifname: 'rtrport', bridge: 'br0' });
      const dnsmasq = net.spawn(rtr, 'dnsmasq', ['--no-daemon', '--conf-file=/dev/null', '--port=0', '--interface=rtr0', '--bind-interfaces',
        '--dhcp-range=198.18.0.50,198.18.0.99,1h', `--dhcp-leasefile=${join(work, 'rtr.leases')}`, '--dhcp-option=3,198.18.0.254', '--log-dhcp']);
      await waitForLine(dnsmasq, /DHCP, IP range|started/, 10_000);
    }
    const server = net.spawn(srv, process.execPath, [join(ROOT, 'bin/bootcast.mjs'), 'serve', iso, '--interface', 'br0',
      '--dhcp', mode, '--events', events, '--data-dir', join(work, 'data'), '--menu-timeout', '0']);
    server.stderr?.on('data', (d: Buffer) => process.stderr.write(`[bootcast ${mode}] ${d.toString()}`));
    await waitForLine(server, /serving/i, 30_000);
  });

  afterAll(async () => {
    await net.destroy();
    // BOOTCAST_RECORD_EVENTS=DIR keeps the real boots' events: the source of test/support/recorded-boots.
    const keep = process.env.BOOTCAST_RECORD_EVENTS;
    if (keep && existsSync(events)) copyFileSync(events, join(keep, `events-${mode}.jsonl`));
    rmSync(work, { recursive: true, force: true });
  });

  it.each([
    ['bios', '52:54:00:e2:e0:01', 'bctap1'],
    ['uefi', '52:54:00:e2:e0:02', 'bctap2'],
  ] as const)('%s firmware boots the ISO to its marker, and the timeline shows each step', async (firmware, mac, tap) => {
    const guest = new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap: `${tap}${mode[0]}`, firmware, mac, workDir: work });
    guest.start();
    const result = await guest.waitFor(/BOOTCAST-E2E-(OK|FAIL)/, 240_000);
    guest.stop();
    expect(result.ok, `no marker after ${result.seconds.toFixed(0)} s; serial:\n${serialTail(result.serial)}`).toBe(true);
    expect(result.line).toContain(`BOOTCAST-E2E-OK http ${marker}`);

    const timeline = readFileSync(events, 'utf8').trim().split('\n').map((l) => readEventLine(l)).filter((e) => e.client === mac);
    const kinds = timeline.map((e) => e.kind);
    const first = (kind: string, pred: (e: TimelineEvent) => boolean = () => true) => timeline.findIndex((e) => e.kind === kind && pred(e));
    const path = (e: TimelineEvent) => ('path' in e ? e.path : '');
    const dhcp = kinds.findIndex((k) => k === 'dhcp.ack' || k === 'dhcp.proxy');
    const kernel = first('http.done', (e) => path(e).endsWith('vmlinuz-linux'));
    const initrd = first('http.done', (e) => path(e).endsWith('initramfs-linux.img'));
    expect(dhcp, `DHCP answer in ${kinds.join(' ')}`).toBeGreaterThanOrEqual(0);
    expect(kernel, `kernel download in ${kinds.join(' ')}`).toBeGreaterThan(dhcp);
    expect(initrd, `initrd download in ${kinds.join(' ')}`).toBeGreaterThan(dhcp);
    if (firmware === 'uefi') {
      const tftp = first('tftp.done', (e) => path(e).includes('.efi'));
      expect(tftp, `TFTP of the EFI loader in ${kinds.join(' ')}`).toBeGreaterThan(dhcp);
      expect(kernel).toBeGreaterThan(tftp);
      // The firmware was told which loader and why.
      const answer = timeline.find((e) => (e.kind === 'dhcp.offer' || e.kind === 'dhcp.proxy') && e['ipxe'] === false && e['bootFile']);
      expect(answer, `loader answer in ${kinds.join(' ')}`).toMatchObject({ bootFile: 'snponly.efi', bootReason: expect.stringMatching(/x86-64 UEFI: snponly\.efi/) });
    }
  });
});
