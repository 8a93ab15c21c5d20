import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine.ts';
import { startHeadlessHost, type HeadlessHost } from '../../src-main/hosts/headless/headless-host.ts';
import type { TimelineEvent } from '../../src-main/shared/timeline-event.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { RECORDED_BOOTS, recordedBoot, replayAtRecordedPace } from '../support/recorded-boots.ts';
import { buildRenderer } from './support/build-renderer.ts';
import { launchChromium, type Chromium } from './support/chromium.ts';
import { makeTinyArchiso } from './support/tiny-archiso.ts';

const SHOTS = resolve(import.meta.dirname, '../../test-artifacts/ui');

/**
 * Two real boots recorded by the e2e test (one BIOS, one UEFI), replayed at their recorded pace
 * into the real engine's timeline on a manual clock, and read in Chromium the way a technician
 * reads them: what each machine booted, how long it took, how much it downloaded and how fast,
 * and the header's counts. No server runs: the events are the servers' own, recorded.
 */
describe('recorded real boots on the Machines page, in Chromium over the real engine', () => {
  let work: string;
  let engine: Engine;
  let host: HeadlessHost;
  let browser: Chromium;
  let page: Page;
  let push: (event: TimelineEvent) => void = () => undefined;
  const bios = recordedBoot('bios');
  const uefi = recordedBoot('uefi');
  // The UEFI machine is replayed only up to its kernel download: still booting when the page is read.
  const uefiKernelDone = uefi.findIndex((e) => e.kind === 'http.done' && e.path.endsWith('vmlinuz-linux'));
  const clock = new FakeClock(bios[0]!.ts);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bootcast-ui-recorded-'));
    await mkdir(SHOTS, { recursive: true });
    // The image the recorded machines booted, by the name (and so the id) the e2e gave it.
    const iso = join(work, 'archlinux-e2e.iso');
    const [rendererDir] = await Promise.all([buildRenderer(), makeTinyArchiso(iso)]);
    engine = await Engine.create({ dataDir: join(work, 'data'), listInterfaces: () => [], testSeam: { clock, onFeed: (p) => (push = p) } });
    await engine.call('images.add', { paths: [iso] });
    host = await startHeadlessHost({ api: engine, port: 0, rendererDir, uploadDir: join(work, 'uploads') });
    browser = await launchChromium({ locale: 'en-US', colorScheme: 'light' });
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    page.on('pageerror', (err) => console.error('page error:', err.message));
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await engine?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('shows the finished BIOS boot by image, plan, time from first DHCP, total bytes and average rate, and counts it done', async () => {
    expect((await engine.call('images.list', undefined)).map((i) => i.id)).toEqual(['archlinux-e2e']);
    await page.goto(host.url);
    await page.getByTestId('nav-clients').click();
    await page.getByTestId('clients-empty').waitFor();

    const uefiUntilKernel = uefi.slice(0, uefiKernelDone + 1);
    const both = [...bios, ...uefiUntilKernel].sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
    replayAtRecordedPace(both, clock, (e) => push(e));
    clock.advance(30_000);

    const done = (await engine.call('clients.get', { mac: RECORDED_BOOTS.bios.mac }))!;
    expect(done.stage).toBe('done');
    const row = page.locator(`[data-testid="client-row"][data-mac="${RECORDED_BOOTS.bios.mac}"]`);
    await expect.poll(() => row.getByTestId('client-stage').innerText(), { timeout: 10_000 }).toBe('Done');
    expect(await row.getByTestId('client-image').innerText()).toBe('Arch Linux 2026.11.01');
    expect(await row.getByTestId('client-plan').innerText()).not.toBe('');
    // 03:06:53.987 first DISCOVER → 03:07:46.195 the booted system's last download.
    expect(await row.getByTestId('client-timing').innerText()).toBe('Booted in 52 s');
    expect(await row.getByTestId('client-total').innerText()).toBe('9.6 MB');
    expect(await row.getByTestId('client-speed').innerText()).toMatch(/^28\.1 MB\/s\s+average$/i);
    expect(await row.getByTestId('client-progress').innerText()).not.toContain('marker.txt');

    const booting = page.locator(`[data-testid="client-row"][data-mac="${RECORDED_BOOTS.uefi.mac}"]`);
    expect(await booting.getByTestId('client-stage').innerText()).toBe('Loading kernel');
    expect(await booting.getByTestId('client-image').innerText()).toBe('Arch Linux 2026.11.01');
    // 03:08:21.191 first DISCOVER → 03:08:57.010 the kernel downloaded.
    expect(await booting.getByTestId('client-timing').innerText()).toBe('Booting for 36 s');
    expect(await page.getByTestId('count-booting').innerText()).toBe('● 1 booting');
    expect(await page.getByTestId('count-done').innerText()).toBe('✓ 1 done');
    expect(await page.getByTestId('count-stuck').innerText()).toBe('⚠ 0 stuck');
    await page.screenshot({ path: join(SHOTS, '09-recorded-boots.png') });
  });

  it('finishes the UEFI boot too when the rest of its recording arrives', async () => {
    replayAtRecordedPace(uefi.slice(uefiKernelDone + 1), clock, (e) => push(e));
    clock.advance(30_000);
    const row = page.locator(`[data-testid="client-row"][data-mac="${RECORDED_BOOTS.uefi.mac}"]`);
    await expect.poll(() => row.getByTestId('client-stage').innerText(), { timeout: 10_000 }).toBe('Done');
    // 03:08:21.191 → 03:09:31.289; the loader over TFTP, then the same files as BIOS over HTTP.
    expect(await row.getByTestId('client-timing').innerText()).toBe('Booted in 1:10 min');
    expect(await row.getByTestId('client-total').innerText()).toBe('9.8 MB');
    expect(await page.getByTestId('count-done').innerText()).toBe('✓ 2 done');
    expect(await page.getByTestId('count-booting').innerText()).toBe('● 0 booting');
    await page.screenshot({ path: join(SHOTS, '10-recorded-boots-done.png') });
  });
});
