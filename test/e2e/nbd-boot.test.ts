import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';
import { QemuGuest, serialTail } from '../support/qemu-guest.ts';
import type { NbdSessionEvent, TimelineEvent } from '../../src-main/shared/timeline-event.ts';
import { readEventLine } from '../support/timeline-events.ts';

/**
 * Booting over NBD: `bootcast serve --plan nbd` sends the archiso recipe's NBD plan, the guest's
 * kernel and initramfs come over HTTP, and the initramfs attaches the whole ISO from Bootcast's NBD
 * server (Debian's nbd-client + the kernel's nbd.ko), mounts it and prints the marker file it read
 * from the image. Same lab as pxe-boot.test.ts, inside namespaces built here (198.18.0.0/15 only):
 *
 *   bcsrv: br0 198.18.0.1/24 (Bootcast, the QEMU tap) + wan0 198.19.0.2/24 holding the default route.
 *
 * The NBD parts of the initramfs (nbd.ko, cdrom.ko, isofs.ko of exactly the d-i kernel's build, and
 * nbd-client with its libraries) come from test/support/nbd-initramfs-parts.sh, which downloads
 * the matching linux-image package once with apt-get (cached in ~/.cache/bootcast).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const MAC = '52:54:00:e2:e0:0b';
const lab = NetLab.available();

/** Why the initramfs cannot get its NBD parts on this machine, or null when they were built into `out`. */
function buildNbdParts(out: string): string | null {
  if (!existsSync('/usr/bin/apt-get') && spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    return 'apt-get is not available: cannot fetch the linux-image package that holds nbd.ko for the test kernel';
  }
  const r = spawnSync('bash', [join(ROOT, 'test/support/nbd-initramfs-parts.sh'), out], { encoding: 'utf8', timeout: 600_000 });
  if (r.status === 0) return null;
  const why = `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim();
  // Only an unreachable archive is a reason to skip; anything else is a broken test setup and fails.
  if (/apt-get download .* failed|produced no \.deb/.test(why)) return `the kernel package cannot be downloaded here: ${why.split('\n').pop()}`;
  throw new Error(`nbd-initramfs-parts.sh failed (exit ${r.status}): ${why}`);
}

describe.skipIf(!lab.ok)('network boot over NBD (--plan nbd)', () => {
  const net = new NetLab();
  const work = mkdtempSync(join(tmpdir(), 'bootcast-e2e-nbd-'));
  const iso = join(work, 'archlinux-e2e.iso');
  const events = join(work, 'events.jsonl');
  let marker = '';
  let srv = '';
  let skipReason: string | null = null;

  beforeAll(async () => {
    const parts = join(work, 'nbd-root');
    skipReason = buildNbdParts(parts);
    if (skipReason) return;
    marker = execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { encoding: 'utf8', env: { ...process.env, EXTRA_ROOT: parts } })
      .trim()
      .split('\n')
      .pop()!;
    srv = net.addPxeLab({ server: 'bcsrv', internet: 'bcwan' }).server;
    const server = net.spawn(srv, process.execPath, [join(ROOT, 'bin/bootcast.mjs'), 'serve', iso, '--interface', 'br0',
      '--dhcp', 'full', '--plan', 'nbd', '--events', events, '--data-dir', join(work, 'data'), '--menu-timeout', '0']);
    server.stderr?.on('data', (d: Buffer) => process.stderr.write(`[bootcast nbd] ${d.toString()}`));
    await waitForLine(server, /serving/i, 30_000);
  });

  afterAll(async () => {
    await net.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('a BIOS guest loads kernel and initrd over HTTP, then mounts the ISO from the NBD export and reads its marker', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const guest = new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap: 'bctapn', firmware: 'bios', mac: MAC, workDir: work });
    guest.start();
    const result = await guest.waitFor(/BOOTCAST-E2E-(OK|FAIL)/, 240_000);
    // The guest detaches (NBD_CMD_DISC) and powers off right after the marker: let it, so the
    // server sees a clean end of the connection.
    const detached = result.ok && /BOOTCAST-E2E-OK/.test(result.line ?? '') ? await guest.waitFor(/BOOTCAST-E2E-NBD-DETACHED/, 30_000) : result;
    guest.stop();
    expect(result.ok, `no marker after ${result.seconds.toFixed(0)} s; serial:\n${serialTail(result.serial)}`).toBe(true);
    expect(result.line, serialTail(result.serial)).toContain(`BOOTCAST-E2E-OK nbd ${marker}`);
    // The kernel was told where the export is: the recipe's NBD parameters, filled for this server.
    expect(result.serial).toMatch(/BOOTCAST-E2E-INIT .*archiso_nbd_srv=198\.18\.0\.1 archiso_nbd_name=archlinux-e2e\b/);
    expect(detached.ok, `the guest did not detach /dev/nbd0; serial:\n${serialTail(detached.serial)}`).toBe(true);

    // The server logs the disconnect as it handles NBD_CMD_DISC; the events file may lag the serial a little.
    const timeline = await eventsFor(events, MAC, (t) => t.some((e) => e.kind === 'nbd.disconnect'), 15_000);
    const kinds = timeline.map((e) => e.kind);
    const first = (kind: string, pred: (e: TimelineEvent) => boolean = () => true) => timeline.findIndex((e) => e.kind === kind && pred(e));
    const path = (e: TimelineEvent) => ('path' in e ? e.path : '');
    const dhcp = kinds.findIndex((k) => k === 'dhcp.ack');
    const kernel = first('http.done', (e) => path(e).endsWith('vmlinuz-linux'));
    const initrd = first('http.done', (e) => path(e).endsWith('initramfs-linux.img'));
    const connect = first('nbd.connect', (e) => 'export' in e && e.export === 'archlinux-e2e');
    const disconnect = first('nbd.disconnect', (e) => 'export' in e && e.export === 'archlinux-e2e');
    const steps = kinds.join(' ');
    expect(dhcp, `DHCP ack in ${steps}`).toBeGreaterThanOrEqual(0);
    expect(kernel, `kernel download in ${steps}`).toBeGreaterThan(dhcp);
    expect(initrd, `initrd download in ${steps}`).toBeGreaterThan(dhcp);
    expect(connect, `NBD connect after kernel and initrd in ${steps}`).toBeGreaterThan(Math.max(kernel, initrd));
    expect(disconnect, `NBD disconnect after connect in ${steps}`).toBeGreaterThan(connect);
    // The marker came over NBD: the guest read blocks of the image and never asked HTTP for the file.
    expect(timeline[disconnect]).toMatchObject({ reason: 'disc' }); // NBD_CMD_DISC, not a reset
    expect(Number((timeline[disconnect] as NbdSessionEvent).bytes)).toBeGreaterThan(0);
    expect(timeline.filter((e) => path(e).endsWith('marker.txt'))).toEqual([]);
  });
});

/** The events of one client, polled until `done` holds or the timeout passes (then what there is). */
async function eventsFor(file: string, mac: string, done: (t: TimelineEvent[]) => boolean, timeoutMs: number): Promise<TimelineEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    // The last line may be half written while we read it: only whole lines count.
    const lines = text.split('\n').slice(0, -1).filter((l) => l.trim());
    const timeline = lines.map((l) => readEventLine(l)).filter((e) => e.client === mac);
    if (done(timeline) || Date.now() > deadline) return timeline;
    await new Promise((r) => setTimeout(r, 250));
  }
}
