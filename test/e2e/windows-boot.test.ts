import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * README, as on Windows media) built at test time, served by `bootcast serve --wimboot` in a
 * namespace. Bootcast does not bundle wimboot, so the UEFI boot runs only when one is supplied
 * in $BOOTCAST_TEST_WIMBOOT: OVMF's PXE → Bootcast's iPXE → that wimboot → the image's
 * bootmgfw.efi, here a GRUB stand-in that prints a marker (a real bootmgr needs Windows' own
 * files). BIOS: SeaBIOS + iPXE fetch /wimboot and every Windows file; the placeholder bootmgr
 * cannot run, so the test stops at the transfers and never needs wimboot to execute. Without a
 * supplied wimboot, Debian's installer kernel stands in for it there: iPXE's `kernel` only has to
 * recognise a bzImage before it fetches the Windows files.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const MARKER = 'BOOTCAST-WINPE-STANDIN';
const lab = NetLab.available();
const SUPPLIED = process.env.BOOTCAST_TEST_WIMBOOT || undefined;
const BZIMAGE_STANDIN = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux';
const WIMBOOT = SUPPLIED ?? BZIMAGE_STANDIN;
const NO_WIMBOOT = 'UEFI boot through wimboot: skipped, no wimboot supplied (Bootcast does not bundle it); set BOOTCAST_TEST_WIMBOOT=/path/to/wimboot to run it';
if (SUPPLIED && !existsSync(SUPPLIED)) throw new Error(`BOOTCAST_TEST_WIMBOOT=${SUPPLIED}: no such file`);

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
      '--dhcp', 'full', '--events', events, '--data-dir', join(work, 'data'), '--wimboot', WIMBOOT, '--menu-timeout', '0']);
    server.stderr?.on('data', (d: Buffer) => process.stderr.write(`[bootcast win] ${d.toString()}`));
    await waitForLine(server, /serving/i, 30_000);
  }, 120_000);

  afterAll(async () => {
    await net.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  function transfers(mac: string): TransferStepEvent[] {
    // Whole lines only: the file may still be empty, or its last line half written, while polled.
    const text = readFileSync(events, 'utf8');
    const all = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => readEventLine(l));
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

  if (!SUPPLIED) {
    // The reporter lists a skipped test's name only for a failing file: say it on stderr too.
    console.warn(NO_WIMBOOT);
    it.skip(NO_WIMBOOT, () => {});
  } else it('UEFI: iPXE loads wimboot, which starts the image\'s bootmgfw.efi, after BCD, boot.sdi and boot.wim came over HTTP', async () => {
    const mac = '52:54:00:e2:e1:02';
    const guest = new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap: 'bcwtap2', firmware: 'uefi', mac, workDir: work });
    guest.start();
    const result = await guest.waitFor(new RegExp(MARKER), 300_000);
    guest.stop();
    expect(result.ok, `no marker after ${result.seconds.toFixed(0)} s; serial:\n${serialTail(result.serial, 40)}`).toBe(true);
    // wimboot's banner before the marker: the stand-in was started by wimboot, not by iPXE.
    const banner = result.serial.search(/wimboot v\d+\.\d+/);
    expect(banner, serialTail(result.serial, 40)).toBeGreaterThanOrEqual(0);
    expect(result.serial.indexOf(MARKER)).toBeGreaterThan(banner);
    expectFetchedWhole(mac, {
      '/wimboot': WIMBOOT,
      '/images/winpe/efi/microsoft/boot/bootmgfw.efi': join(tree, 'efi/microsoft/boot/bootmgfw.efi'),
      '/images/winpe/efi/microsoft/boot/bcd': join(tree, 'efi/microsoft/boot/bcd'),
      '/images/winpe/boot/boot.sdi': join(tree, 'boot/boot.sdi'),
      '/images/winpe/sources/boot.wim': join(tree, 'sources/boot.wim'),
    });
  }, 360_000);

  it(`BIOS: iPXE fetches ${SUPPLIED ? 'wimboot' : '/wimboot (a stand-in bzImage)'}, bootmgr, the BIOS BCD, boot.sdi and boot.wim whole over HTTP`, async () => {
    const mac = '52:54:00:e2:e1:01';
    const guest = new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap: 'bcwtap1', firmware: 'bios', mac, workDir: work });
    guest.start();
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && !transfers(mac).some((e) => e.path.endsWith('/sources/boot.wim'))) await new Promise((r) => setTimeout(r, 1000));
    guest.stop();
    expectFetchedWhole(mac, {
      '/wimboot': WIMBOOT,
      '/images/winpe/bootmgr': join(tree, 'bootmgr'),
      '/images/winpe/boot/bcd': join(tree, 'boot/bcd'),
      '/images/winpe/boot/boot.sdi': join(tree, 'boot/boot.sdi'),
      '/images/winpe/sources/boot.wim': join(tree, 'sources/boot.wim'),
    });
    expect(transfers(mac).some((e) => e.path.includes('bootmgfw'))).toBe(false);
  }, 360_000);
});
