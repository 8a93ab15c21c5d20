import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';
import { QemuGuest, serialTail } from '../support/qemu-guest.ts';
import { makeWindowsMedia } from '../support/windows-media.ts';
import type { TransferStepEvent } from '../../src-main/shared/timeline-event.ts';
import { readEventLine } from '../support/timeline-events.ts';

/**
 * Windows PE through wimboot, end to end: a WinPE-layout UDF bridge image (ISO 9660 side only a
 * README, as on Windows media) built at test time, served by `bootcast serve` in a namespace.
 * UEFI: OVMF's PXE → Bootcast's iPXE → Bootcast's wimboot → the image's bootmgfw.efi, here a
 * GRUB stand-in that prints a marker (a real bootmgr needs Windows' own files). BIOS: SeaBIOS +
 * iPXE fetch wimboot and every Windows file; the placeholder bootmgr cannot run, so the test
 * stops at the transfers.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const MARKER = 'BOOTCAST-WINPE-STANDIN';
const lab = NetLab.available();

describe.skipIf(!lab.ok)('Windows PE through wimboot', () => {
  const net = new NetLab();
  const work = mkdtempSync(join(tmpdir(), 'bootcast-e2e-win-'));
  const iso = join(work, 'winpe.iso');
  const events = join(work, 'events.jsonl');
  let tree = '';
  let srv = '';

  beforeAll(async () => {
    const cfg = join(work, 'standin.cfg');
    writeFileSync(cfg, `echo ${MARKER} bootmgfw.efi started by wimboot\nsleep 1\nhalt\n`);
    const standin = join(work, 'standin.efi');
    execFileSync('grub-mkstandalone', ['-O', 'x86_64-efi', '--locales=', '--fonts=', '--themes=', '--install-modules=echo sleep halt normal configfile', '--modules=', '-o', standin, `boot/grub/grub.cfg=${cfg}`]);
    tree = await makeWindowsMedia(work, iso, { efiProgram: standin });
    srv = net.addPxeLab({ server: 'bcsrv', internet: 'bcwan' }).server;
    const server = net.spawn(srv, process.execPath, [join(ROOT, 'bin/bootcast.mjs'), 'serve', iso, '--interface', 'br0',
      '--dhcp', 'full', '--events', events, '--data-dir', join(work, 'data'), '--menu-timeout', '0']);
    server.stderr?.on('data', (d: Buffer) => process.stderr.write(`[bootcast win] ${d.toString()}`));
    await waitForLine(server, /serving/i, 30_000);
  }, 120_000);

  afterAll(async () => {
    await net.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  function transfers(mac: string): TransferStepEvent[] {
    const all = readFileSync(events, 'utf8').trim().split('\n').map((l) => readEventLine(l));
    return all.filter((e): e is TransferStepEvent => e.client === mac && e.kind === 'http.done');
  }

  /** Each Windows file fetched whole over HTTP: status 200, every byte the image holds. */
  function expectFetchedWhole(mac: string, files: Record<string, string>): void {
    const done = transfers(mac);
    for (const [url, local] of Object.entries(files)) {
      const e = done.find((d) => d.path.toLowerCase() === url.toLowerCase());
      expect(e, `${url} in ${done.map((d) => d.path).join(' ')}`).toBeDefined();
      expect(e!.status).toBe(200);
      expect(e!.bytes).toBe(statSync(local).size);
      expect(e!.outcome ?? 'complete').toBe('complete');
    }
  }

  it('UEFI: iPXE loads wimboot, which starts the image\'s bootmgfw.efi, after BCD, boot.sdi and boot.wim came over HTTP', async () => {
    const mac = '52:54:00:e2:e1:02';
    const guest = new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap: 'bcwtap2', firmware: 'uefi', mac, workDir: work });
    guest.start();
    const result = await guest.waitFor(new RegExp(MARKER), 300_000);
    guest.stop();
    expect(result.ok, `no marker after ${result.seconds.toFixed(0)} s; serial:\n${serialTail(result.serial, 40)}`).toBe(true);
    // wimboot's banner before the marker: the stand-in was started by wimboot, not by iPXE.
    const banner = result.serial.indexOf('wimboot v2.9.0');
    expect(banner, serialTail(result.serial, 40)).toBeGreaterThanOrEqual(0);
    expect(result.serial.indexOf(MARKER)).toBeGreaterThan(banner);
    expectFetchedWhole(mac, {
      '/wimboot': join(ROOT, 'resources/wimboot/wimboot'),
      '/images/winpe/efi/microsoft/boot/bootmgfw.efi': join(tree, 'efi/microsoft/boot/bootmgfw.efi'),
      '/images/winpe/efi/microsoft/boot/bcd': join(tree, 'efi/microsoft/boot/bcd'),
      '/images/winpe/boot/boot.sdi': join(tree, 'boot/boot.sdi'),
      '/images/winpe/sources/boot.wim': join(tree, 'sources/boot.wim'),
    });
  }, 360_000);

  it('BIOS: iPXE fetches wimboot, bootmgr, the BIOS BCD, boot.sdi and boot.wim whole over HTTP', async () => {
    const mac = '52:54:00:e2:e1:01';
    const guest = new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap: 'bcwtap1', firmware: 'bios', mac, workDir: work });
    guest.start();
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !transfers(mac).some((e) => e.path.endsWith('/sources/boot.wim'))) await new Promise((r) => setTimeout(r, 1000));
    guest.stop();
    expectFetchedWhole(mac, {
      '/wimboot': join(ROOT, 'resources/wimboot/wimboot'),
      '/images/winpe/bootmgr': join(tree, 'bootmgr'),
      '/images/winpe/boot/bcd': join(tree, 'boot/bcd'),
      '/images/winpe/boot/boot.sdi': join(tree, 'boot/boot.sdi'),
      '/images/winpe/sources/boot.wim': join(tree, 'sources/boot.wim'),
    });
    expect(transfers(mac).some((e) => e.path.includes('bootmgfw'))).toBe(false);
  }, 360_000);
});
