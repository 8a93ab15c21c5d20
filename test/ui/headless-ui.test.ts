import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.ts';
import { startHeadlessHost, type HeadlessHost } from '../../src-main/hosts/headless/headless-host.ts';
import type { NetInterfaceInfo } from '../../src-main/shared/api.ts';
import { buildRenderer } from './support/build-renderer.ts';
import { dropFiles } from './support/drop-files.ts';
import { launchChromium, type Chromium } from './support/chromium.ts';
import { freeTcpPort, freeUdpPort } from './support/free-port.ts';
import { httpText, stalledDownload } from './support/loopback-client.ts';
import { makeTinyArchiso } from './support/tiny-archiso.ts';

const run = promisify(execFile);
const MAC = '52:54:00:12:34:56';
const STUCK_MAC = '00:1e:67:9a:0b:11';
const SHOTS = resolve(import.meta.dirname, '../../test-artifacts/ui');

// The engine sees loopback only: whatever the test clicks, no server can bind a real interface,
// and DHCP is switched off in the UI before starting. 'lo' is presented as a wired NIC (the engine
// does not offer loopback as a boot interface); 'lo0' is a loopback as macOS names it, which must
// not be offered.
const LOOPBACK_AS_NIC: NetInterfaceInfo = {
  name: 'lo', addresses: [{ address: '127.0.0.1', prefixLength: 8 }], up: true, internal: false, defaultRoute: false, wireless: false,
  suggested: true, reason: 'Loopback: the only interface this test lets Bootcast use.',
};
const LOOPBACK: NetInterfaceInfo = { ...LOOPBACK_AS_NIC, name: 'lo0', internal: true, suggested: false, reason: 'loopback' };

describe('the headless web UI in Chromium, over the real engine', () => {
  let work: string;
  let iso: string;
  let bigIso: string;
  let notIso: string;
  let engine: Engine;
  let host: HeadlessHost;
  let browser: Chromium;
  let page: Page;
  let renderer: string;
  const ports = { dhcp: 0, proxyDhcp: 0, tftp: 0, http: 0, nbd: 0 };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bootcast-ui-'));
    await mkdir(SHOTS, { recursive: true });
    iso = join(work, 'tiny-arch.iso');
    bigIso = join(work, 'big-arch.iso');
    notIso = join(work, 'notes.iso');
    await writeFile(notIso, 'meeting notes, saved with the wrong extension\n'.repeat(2000));
    // The second image's root file system is large enough that a paused reader leaves most of it unsent.
    const [rendererDir] = await Promise.all([buildRenderer(), makeTinyArchiso(iso), makeTinyArchiso(bigIso, { rootfsBytes: 64 << 20, version: '2026.12.01' })]);
    engine = await Engine.create({ dataDir: join(work, 'data'), listInterfaces: () => [LOOPBACK_AS_NIC, LOOPBACK] });
    // DHCP ports are set too (high, unused) although DHCP stays off: nothing may touch 67/4011.
    Object.assign(ports, { dhcp: await freeUdpPort(), proxyDhcp: await freeUdpPort(), tftp: await freeUdpPort(), http: await freeTcpPort(), nbd: await freeTcpPort() });
    await engine.call('server.updateSettings', { ports });
    renderer = rendererDir;
    host = await startHeadlessHost({ api: engine, port: 0, rendererDir, uploadDir: join(work, 'uploads') });
    browser = await launchChromium({ locale: 'en-US', colorScheme: 'light' });
    page = await browser.context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await engine?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

  it('opens on the image library, with the token moved out of the address bar', async () => {
    await page.goto(host.url);
    await page.getByTestId('drop-zone').waitFor();
    expect(page.url()).not.toContain('token=');
    expect(await page.getByTestId('drop-zone').innerText()).toContain('Drop ISO files here');
  });

  it('adds ISOs dropped on the window and shows what was detected in each, or why it cannot boot', async () => {
    // A real drop of two files: a DataTransfer of Files, dispatched on the drop zone (it bubbles to the window handler).
    await dropFiles(page, '[data-testid="drop-zone"]', [iso, notIso]);
    const card = page.locator('[data-image-card]', { hasText: 'tiny-arch.iso' });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getByTestId('image-distro').innerText()).toBe('Arch Linux 2026.11.01');
    expect(await card.getByTestId('image-recipe').innerText()).toBe('archiso');
    expect(await card.getByTestId('image-status').innerText()).toContain('Ready to boot');
    expect(await card.getByTestId('image-ram').innerText()).toMatch(/≥ \d+ MiB/);
    expect(await card.locator('.facts [data-firmware]').allInnerTexts()).toEqual(['BIOS', 'UEFI']);
    const broken = page.locator('[data-image-card]', { hasText: 'notes.iso' });
    await broken.waitFor({ timeout: 20_000 });
    expect(await broken.getByTestId('image-status').innerText()).toContain('Cannot boot');
    expect(await broken.getByTestId('image-error').innerText()).toContain('not an ISO 9660 image');
    await expect.poll(() => page.getByTestId('pending-image').count()).toBe(0);
    await shot('01-images');
  });

  it('starts the servers on the chosen interface with DHCP off', async () => {
    // The way a newcomer goes: the library's "next" button leads to the network page.
    await page.getByTestId('next-network').click();
    await page.locator('[data-iface="lo"]').click();
    expect(await page.locator('[data-iface="lo0"]').count()).toBe(0);
    await page.locator('[data-mode="off"]').click();
    await expect.poll(() => page.locator('[data-mode="off"]').getAttribute('aria-checked')).toBe('true');
    await page.locator('.run [data-testid="start-stop"]').click();
    await expect.poll(() => page.locator('.run [data-testid="server-status"]').innerText(), { timeout: 15_000 }).toContain('Running');
    expect(await page.getByTestId('dhcp-effective').innerText()).toBe('DHCP is off');
    expect(await page.locator('[data-service="http"]').innerText()).toContain(`127.0.0.1:${ports.http}`);
    expect(await page.locator('[data-service="dhcp"], [data-service="proxyDhcp"]').count()).toBe(0);
    await shot('02-network-running');
  });

  it('shows a booting machine appear and its timeline grow live', async () => {
    await page.getByTestId('next-clients').click();
    await page.getByTestId('clients-empty').waitFor();
    expect(await page.getByTestId('clients-empty').innerText()).toContain('Power on a machine');

    // What iPXE asks for after its DHCP: the per-client boot script.
    const script = await (await fetch(`http://127.0.0.1:${ports.http}/boot.ipxe?mac=${MAC}&platform=efi&arch=x86_64`)).text();
    expect(script).toContain('#!ipxe');
    const row = page.locator(`[data-testid="client-row"][data-mac="${MAC}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.innerText()).toContain('127.0.0.1');
    await row.click();
    const timeline = page.getByTestId('client-timeline');
    await timeline.locator('[data-kind="boot.script"]').waitFor();
    expect(await timeline.locator('[data-testid="timeline-events"] li .offset').first().innerText()).toBe('+0.00 s');

    // Then the kernel and initrd the script names, over HTTP, and a loader over TFTP (tftp-hpa).
    const urls = [...script.matchAll(/(?:kernel|initrd)(?: --name \S+)? (http:\/\/\S+)/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) expect((await fetch(url)).status).toBe(200);
    await run('tftp', ['-m', 'binary', '127.0.0.1', String(ports.tftp), '-c', 'get', 'ipxe.efi', join(work, 'ipxe.efi')]);

    await timeline.locator('[data-kind="http.done"]', { hasText: 'vmlinuz-linux' }).waitFor({ timeout: 10_000 });
    await timeline.locator('[data-kind="http.done"]', { hasText: 'initramfs-linux.img' }).waitFor();
    await timeline.locator('[data-kind="tftp.done"]', { hasText: 'ipxe.efi' }).waitFor();
    expect(await timeline.locator('[data-kind="http.done"]', { hasText: 'vmlinuz-linux' }).innerText()).toContain('3.1 MB');
    // Offsets grow down the timeline: every row is measured from the first packet.
    const offsets = (await timeline.locator('[data-testid="timeline-events"] li .offset').allInnerTexts()).map((t) => Number(t.replace(/[+ s]/g, '')));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(await row.getByTestId('client-stage').innerText()).not.toBe('Getting address');
    expect(await timeline.getByTestId('timeline-image').innerText()).toBe('Arch Linux 2026.11.01');
    // The row's progress catches up with the last transfer (updates are rate-limited, not lost).
    await expect.poll(() => row.getByTestId('client-progress').innerText(), { timeout: 5000 }).toContain('100%');
    await shot('03-machines-timeline');
  });

  it('switches to Japanese and keeps the live view', async () => {
    await page.getByTestId('language').locator('[data-value="ja"]').click();
    expect(await page.getByTestId('nav-clients').innerText()).toContain('マシン');
    expect(await page.getByTestId('client-timeline').locator('[data-kind="boot.script"] .title').innerText()).toBe('ブートメニューを送信');
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    await shot('04-machines-ja');
    await page.getByTestId('theme').locator('[data-value="dark"]').click();
    await page.getByTestId('nav-images').click();
    await shot('05-images-ja-dark');
  });

  it('filters the log and offers it for export', async () => {
    await page.getByTestId('language').locator('[data-value="en"]').click();
    await page.getByTestId('nav-log').click();
    await page.getByTestId('log-entries').waitFor();
    await page.getByTestId('log-filter').fill('serving on lo');
    await expect.poll(() => page.getByTestId('log-entries').locator('li').count()).toBe(1);
    const download = page.waitForEvent('download');
    await page.getByTestId('log-export').click();
    const file = await (await download).path();
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; client?: string });
    expect(lines.some((l) => l.kind === 'boot.script' && l.client === MAC)).toBe(true);
    await shot('06-log');
  });

  it('adds an image by its path on the server, and shows a machine stuck mid-download with a plain reason', async () => {
    await page.getByTestId('nav-images').click();
    await page.getByTestId('path-input').fill(bigIso);
    await page.getByTestId('path-add').click();
    const card = page.locator('[data-image-card]', { hasText: 'Arch Linux 2026.12.01' });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.getByTestId('image-status').innerText()).toContain('Ready to boot');
    const big = (await engine.call('images.list', undefined)).find((i) => i.path === bigIso)!;

    // A second machine (another source address) asks for its script, then its download stops.
    await httpText(`http://127.0.0.1:${ports.http}/boot.ipxe?mac=${STUCK_MAC}&platform=pcbios&arch=x86_64`, '127.0.0.2');
    const download = await stalledDownload(`http://127.0.0.1:${ports.http}/images/${big.id}/arch/x86_64/airootfs.sfs`, '127.0.0.2', 1 << 20);
    try {
      await page.getByTestId('nav-clients').click();
      const row = page.locator(`[data-testid="client-row"][data-mac="${STUCK_MAC}"]`);
      await row.waitFor();
      expect(await row.innerText()).toContain('127.0.0.2');
      // The engine waits for the transfer to stay still before calling it stuck.
      await expect.poll(() => row.getByTestId('client-stage').innerText(), { timeout: 45_000, interval: 500 }).toBe('Stuck');
      const hint = page.locator('[data-testid="client-stalled-hint"]');
      expect(await hint.innerText()).toMatch(/download of \S*airootfs\.sfs stopped/);
      expect(await page.getByTestId('count-stuck').innerText()).toContain('1 stuck');
      await row.click();
      await page.getByTestId('client-timeline').locator('[data-kind="client.stalled"]').waitFor();
      await shot('08-machine-stuck');
    } finally {
      download.abort();
    }
    // The engine's stall verdict alone takes 20 s: more room than the default test timeout on a busy CI machine.
  }, 120_000);

  it('catches up with everything that changed while the host was away', async () => {
    await page.getByTestId('nav-clients').click();
    await page.locator(`[data-testid="client-row"][data-mac="${MAC}"]`).waitFor();
    const { port, token } = host;
    await host.close();
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 10_000 }).toBe(1);
    // Changed while no UI was listening: the reconnected page must re-read it, not wait for an event.
    await engine.call('clients.clear', undefined);
    host = await startHeadlessHost({ api: engine, port, token, rendererDir: renderer });
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 15_000 }).toBe(0);
    await page.getByTestId('clients-empty').waitFor();
  });

  it('tells a visitor with a wrong token what to do', async () => {
    const stranger = await browser.context.newPage();
    await stranger.goto(`http://127.0.0.1:${host.port}/?token=not-the-token`);
    await expect.poll(() => stranger.getByTestId('connection-banner').innerText(), { timeout: 10_000 }).toContain('bootcast serve');
    await stranger.screenshot({ path: join(SHOTS, '07-wrong-token.png') });
    await stranger.close();
  });
});
