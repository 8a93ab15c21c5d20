import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';
import { QemuGuest, serialTail } from '../support/qemu-guest.ts';
import { type DistroKind, distroIso } from '../support/distro-images.ts';
import { PROVEN_PLANS } from '../../src-main/boot/recipes/plan-confidence.ts';

/**
 * The real-initramfs matrix: ISOs whose boot components are distributions' own (Debian's
 * live-boot and dracut initramfs generators, Debian's installer, Debian's memtest86+ ISO), served
 * by `bootcast serve` with the plan its recipe chose, network-booted by real firmware in a
 * namespace (198.18.0.0/15 only). Each case waits for what only that component prints when it got
 * what it needed over the network, and checks the guest's timeline: DHCP, then each file the plan
 * serves, then what the initramfs itself fetched from Bootcast.
 *
 * Every case here is listed in PROVEN_PLANS (src-main/boot/recipes/plan-confidence.ts) under its
 * `test` name; that is where "booted here from the real initramfs" comes from, for `iso info`, the UI
 * and docs/images.md. A unit test checks each proven plan names a case of this file.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const lab = NetLab.available();
const MEMTEST_ISO = '/usr/lib/memtest86+/memtest86+x64.iso';

interface Case {
  /** The PROVEN_PLANS test name. */
  test: string;
  image: () => { iso: string; marker: string };
  firmware: 'bios' | 'uefi';
  mac: string;
  expectRecipe: string;
  /** The plan `iso info` must pick by default and `bootcast serve` boots. */
  plan: string;
  /** Other plans the recipe must offer besides the default (none when only it makes sense). */
  alternatives: string[];
  /** A serial line proving the real component reached its goal. */
  marker: (m: string) => RegExp;
  /** Paths the timeline must show as served over HTTP, in this order. */
  served: RegExp[];
  memMiB?: number;
  vga?: 'std';
}

const built = new Map<string, { iso: string; marker: string }>();
function image(kind: DistroKind): () => { iso: string; marker: string } {
  return () => {
    if (!built.has(kind)) {
      const t = Date.now();
      const r = distroIso(kind);
      if (r.built) process.stderr.write(`[distros] built ${kind} image in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
      built.set(kind, r);
    }
    return built.get(kind)!;
  };
}

const LIVE_BOOT_BIOS: Case = {
  test: 'live-boot bios',
  image: image('live-boot'),
  firmware: 'bios',
  mac: '52:54:00:d1:00:01',
  expectRecipe: 'generic-linux/live-boot',
  plan: 'http',
  alternatives: ['iso'],
  marker: (m) => new RegExp(`BOOTCAST-DISTRO-OK live-boot ${m}`),
  served: [/\/live\/vmlinuz$/, /\/live\/initrd\.img$/, /\/live\/filesystem\.squashfs$/],
};

const DRACUT_BIOS: Case = {
  test: 'dracut-live bios',
  image: image('dracut'),
  firmware: 'bios',
  mac: '52:54:00:d1:00:02',
  expectRecipe: 'generic-linux/dracut-live',
  plan: 'http',
  alternatives: [],
  marker: (m) => new RegExp(`BOOTCAST-DISTRO-OK dracut ${m}`),
  served: [/\/images\/pxeboot\/vmlinuz$/, /\/images\/pxeboot\/initrd\.img$/, /\/LiveOS\/squashfs\.img$/],
  memMiB: 768,
};

const MEMTEST_BIOS: Case = {
  test: 'memtest86+ bios',
  image: () => ({ iso: MEMTEST_ISO, marker: '' }),
  firmware: 'bios',
  mac: '52:54:00:d1:00:04',
  expectRecipe: 'memtest86+',
  plan: 'http',
  alternatives: [],
  marker: () => /Memtest86\+ v?\d/,
  served: [/\/EFI\/BOOT\/bootx64\.efi$/i],
};

/** A BIOS case again on UEFI (OVMF): the same image and checks but for its name, MAC and what `more` changes. */
function onUefi(bios: Case, more: Pick<Case, 'test' | 'mac'> & Partial<Case>): Case {
  return { ...bios, firmware: 'uefi', ...more };
}

const CASES: Case[] = [
  LIVE_BOOT_BIOS,
  {
    // live-boot fetch= of the whole ISO: downloaded into the initramfs, loop-mounted as the medium;
    // the marker file is only in the medium's second layer (Tails.module, module=Tails).
    test: 'live-boot whole ISO bios',
    image: image('live-boot-layers'),
    firmware: 'bios',
    mac: '52:54:00:d1:00:06',
    expectRecipe: 'generic-linux/live-boot',
    plan: 'iso',
    alternatives: [],
    marker: (m) => new RegExp(`BOOTCAST-DISTRO-OK live-boot-layers ${m} root=overlay`),
    served: [/\/live\/vmlinuz$/, /\/live\/initrd\.img$/, /^\/images\/[^/]+\.iso$/],
  },
  onUefi(LIVE_BOOT_BIOS, { test: 'live-boot uefi', mac: '52:54:00:d1:00:07', marker: (m) => new RegExp(`BOOTCAST-DISTRO-OK live-boot ${m} root=overlay`) }),
  DRACUT_BIOS,
  onUefi(DRACUT_BIOS, { test: 'dracut-live uefi', mac: '52:54:00:d1:00:08' }),
  {
    test: 'debian-installer bios',
    image: image('d-i'),
    firmware: 'bios',
    mac: '52:54:00:d1:00:03',
    expectRecipe: 'generic-linux/debian-installer',
    plan: 'http',
    alternatives: [],
    // d-i's first screen (language choice) drawn by cdebconf's newt frontend on the serial console.
    marker: () => /Choose language|Select a language/,
    served: [/\/install\.amd\/vmlinuz$/, /\/install\.amd\/initrd\.gz$/],
    // Below ~780 MiB d-i shows its low-memory notice first; vga=788 from the medium needs a VGA card.
    memMiB: 1024,
    vga: 'std',
  },
  MEMTEST_BIOS,
  // memtest86+ on UEFI draws through GOP and stops at "efi_setup() failed" without a display.
  onUefi(MEMTEST_BIOS, { test: 'memtest86+ uefi', mac: '52:54:00:d1:00:05', vga: 'std' }),
];

describe.skipIf(!lab.ok)('distributions\' own initramfs boot over the network from bootcast serve', () => {
  const net = new NetLab();
  const work = mkdtempSync(join(tmpdir(), 'bootcast-distros-'));
  let srv = '';
  const started = Date.now();

  beforeAll(() => {
    srv = net.addPxeLab({ server: 'bcdsrv', internet: 'bcdwan' }).server;
  });

  afterAll(async () => {
    process.stderr.write(`[distros] matrix took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    await net.destroy();
    // BOOTCAST_KEEP_E2E=1 keeps serial logs and events for a look after the run.
    if (process.env.BOOTCAST_KEEP_E2E) process.stderr.write(`[distros] kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  });

  it('lists every case of this file as a proven plan, and every proven plan as a case', () => {
    expect(new Set(CASES.map((c) => c.test))).toEqual(new Set(PROVEN_PLANS.filter((p) => p.confidence === 'real-initramfs').map((p) => p.test)));
  });

  it.each(CASES.map((c) => [c.test, c] as const))('%s: boots to its marker, and the timeline shows DHCP then each served file', async (_name, c) => {
    const { iso, marker } = c.image();
    const info = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'bin/bootcast.mjs'), 'iso', 'info', '--json', iso], { encoding: 'utf8' })) as {
      boot: { recipe: string; plans: Array<{ id: string; confidence?: string }>; defaultPlan?: string };
    };
    expect(info.boot.recipe).toBe(c.expectRecipe);
    expect(info.boot.defaultPlan).toBe(c.plan);
    expect(info.boot.plans.map((p) => p.id)).toEqual([c.plan, ...c.alternatives]);
    expect(info.boot.plans.find((p) => p.id === c.plan)?.confidence).toBe('real-initramfs');
    const tag = c.test.replace(/[^a-z0-9]+/g, '-');
    const events = join(work, `${tag}.events.jsonl`);
    const server: ChildProcess = net.spawn(srv, process.execPath, [join(ROOT, 'bin/bootcast.mjs'), 'serve', iso, '--interface', 'br0',
      '--dhcp', 'full', '--plan', c.plan, '--events', events, '--data-dir', join(work, `${tag}-data`), '--menu-timeout', '0']);
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitForLine(server, /serving/i, 30_000);
    const guest = new QemuGuest({ lab: net, ns: srv, bridge: 'br0', tap: `bcd${CASES.indexOf(c)}`, firmware: c.firmware, mac: c.mac, workDir: work, memMiB: c.memMiB ?? 512, ...(c.vga ? { vga: c.vga } : {}) });
    try {
      guest.start();
      const result = await guest.waitFor(c.marker(marker), 280_000);
      expect(result.ok, `no marker after ${result.seconds.toFixed(0)} s; serial:\n${serialTail(result.serial, 40)}\nserver:\n${stderr.slice(-1500)}`).toBe(true);
      process.stderr.write(`[distros] ${c.test}: marker after ${result.seconds.toFixed(0)} s\n`);
    } finally {
      guest.stop();
      server.kill('SIGTERM');
    }

    const timeline = readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; client?: string; path?: unknown; status?: unknown });
    const mine = timeline.filter((e) => e.client === c.mac);
    const kinds = mine.map((e) => `${e.kind}${e.path ? ':' + String(e.path) : ''}`);
    const dhcp = mine.findIndex((e) => e.kind === 'dhcp.ack');
    expect(dhcp, `DHCP answer in ${kinds.join(' ')}`).toBeGreaterThanOrEqual(0);
    let after = dhcp;
    for (const re of c.served) {
      const at = mine.findIndex((e, i) => i > after && e.kind === 'http.done' && re.test(String(e.path ?? '')));
      expect(at, `${re} served after step ${after} in ${kinds.join(' ')}`).toBeGreaterThan(after);
      after = at;
    }
    if (c.firmware === 'uefi') {
      expect(mine.some((e) => e.kind === 'tftp.done'), `TFTP of the EFI loader in ${kinds.join(' ')}`).toBe(true);
    }
    // The first case of a kind may build its image (minutes on a cold cache) before booting.
  }, 900_000);
});
