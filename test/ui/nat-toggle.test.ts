import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NetLab, waitForLine } from '../support/netns.ts';
import { launchChromium, type Chromium } from './support/chromium.ts';
import { ensureServedRenderer } from './support/served-renderer.ts';

/**
 * The internet-sharing switch of the web UI, clicked in Chromium against a real `bootcast serve`,
 * with everything inside namespaces this test builds, so the rules it adds are never the host's:
 *
 *   C: eth0 198.18.0.50 ── br0 198.18.0.1 [S: bootcast serve, Chromium] wan0 198.19.0.2 ── 198.19.0.1 W: httpd
 *
 * Chromium runs in S too (the UI listens on S's loopback): playwright drives it over a pipe, and
 * a wrapper script that `exec`s `ip netns exec S chromium` keeps that pipe (fds 3 and 4) intact.
 */
const available = NetLab.available();
const REPO = resolve(import.meta.dirname, '../..');
const SHOTS = join(REPO, 'test-artifacts/ui');
// A fresh namespace has nothing listening: fixed high ports cannot collide with anything.
const PORTS = { ui: 47_123, http: 48_080, tftp: 48_069, nbd: 48_809 };

describe.skipIf(!available.ok)('the internet-sharing switch in the web UI (bootcast serve in a namespace)', () => {
  const lab = new NetLab();
  let s = '';
  let w = '';
  let c = '';
  let work = '';
  let server: ChildProcess;
  let serverLog = '';
  let uiUrl = '';
  let browser: Chromium;
  let page: Page;
  const before = { ipForward: '', ruleset: '' };

  const inS = (cmd: string, args: string[]) => lab.exec(s, cmd, args);
  // The app scrolls inside its main pane, not the page: bring the panel into view first.
  const shot = async (name: string) => {
    await panel().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  };
  const panel = () => page.getByTestId('nat-panel');

  /** Whether the client behind br0 gets the page the "internet" serves (short timeouts: a drop must fail fast). */
  function clientReachesInternet(): boolean {
    try {
      return lab.exec(c, 'curl', ['-sS', '--connect-timeout', '2', '--max-time', '4', 'http://198.19.0.1:8080/'], { timeoutMs: 10_000 }).includes('hello from W');
    } catch {
      return false;
    }
  }

  function bootcastTableExists(): boolean {
    try {
      inS('nft', ['list', 'table', 'inet', 'bootcast']);
      return true;
    } catch {
      // The iptables fallback (no nft on the host) owns a chain of its own instead of a table.
      try {
        inS('iptables', ['-w', '-t', 'nat', '-S', 'BOOTCAST-POSTROUTING']);
        return true;
      } catch {
        return false;
      }
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bootcast-nat-ui-'));
    await mkdir(SHOTS, { recursive: true });
    const renderer = ensureServedRenderer();

    ({ server: s, internet: w, client: c } = lab.addPxeLab({ server: 'bcs', internet: 'bcw', internetIf: 'inet0', client: { base: 'bcc', cidr: '198.18.0.50/24' } }) as {
      server: string; internet: string; client: string;
    });

    // The "internet": busybox httpd in W. No route back to 198.18.0.0/24 there, so only NAT'd traffic gets answers.
    const site = join(work, 'site');
    await mkdir(site);
    await writeFile(join(site, 'index.html'), 'hello from W\n');
    lab.spawn(w, 'busybox', ['httpd', '-f', '-p', '198.19.0.1:8080', '-h', site]);
    await vi.waitFor(() => {
      if (!lab.exec(w, 'curl', ['-sS', '--max-time', '2', 'http://198.19.0.1:8080/']).includes('hello from W')) throw new Error('httpd in W not serving yet');
    }, { timeout: 15_000, interval: 200 });

    before.ipForward = inS('sysctl', ['-n', 'net.ipv4.ip_forward']).trim();
    before.ruleset = inS('nft', ['list', 'ruleset']);

    await renderer;
    server = lab.spawn(s, process.execPath, [
      join(REPO, 'bin/bootcast.mjs'), 'serve', '--interface', 'br0', '--dhcp', 'off', '--data-dir', join(work, 'data'),
      '--ui-port', String(PORTS.ui), '--http-port', String(PORTS.http), '--tftp-port', String(PORTS.tftp), '--nbd-port', String(PORTS.nbd),
    ], { cwd: REPO });
    server.stdout!.on('data', (d: Buffer) => (serverLog += d.toString('utf8')));
    server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString('utf8')));
    const url = await waitForLine(server, /Bootcast UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/, 45_000).catch((err: Error) => {
      throw new Error(`${err.message}; server output:\n${serverLog}`);
    });
    uiUrl = url[1]!;

    const wrapper = join(work, 'chromium-in-netns.sh');
    const chromiumBinary = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${s}' '${chromiumBinary}' "$@"\n`);
    await chmod(wrapper, 0o755);
    browser = await launchChromium({ executablePath: wrapper });
    page = await browser.context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await lab.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('shows sharing off, with the uplink holding the default route offered and the PXE interface not', async () => {
    await page.goto(uiUrl);
    await page.getByTestId('nav-network').click();
    await expect.poll(() => panel().getByTestId('nat-state').innerText(), { timeout: 15_000 }).toBe('Not sharing');
    await expect.poll(() => panel().getByTestId('nat-uplink').locator('option').allInnerTexts(), { timeout: 15_000 }).toEqual(['wan0']);
    expect(clientReachesInternet()).toBe(false);
    await shot('nat-01-off');
  });

  it('switches sharing on: the UI shows the uplink and the rules, the namespace forwards and masquerades', async () => {
    await panel().getByTestId('nat-uplink').selectOption('wan0');
    await panel().getByTestId('nat-toggle').click();
    await expect.poll(() => panel().getByTestId('nat-state').innerText(), { timeout: 20_000 }).toContain('Sharing through wan0');
    expect(await panel().locator('.notice-danger').count()).toBe(0);
    const applied = panel().getByTestId('nat-applied');
    await applied.locator('summary').click();
    expect(await applied.locator('li').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/nft table inet bootcast|iptables -t nat BOOTCAST-POSTROUTING/)]));
    await shot('nat-02-on');

    expect(bootcastTableExists()).toBe(true);
    expect(inS('sysctl', ['-n', 'net.ipv4.ip_forward']).trim()).toBe('1');
    expect(clientReachesInternet()).toBe(true);
    // Every change is a log event too: the server's log says so.
    expect(serverLog).toMatch(/nat: .*internet sharing on/);
  });

  it('switches sharing off: the UI shows it off, the rules are gone and forwarding is back as it was', async () => {
    await panel().getByTestId('nat-toggle').click();
    await expect.poll(() => panel().getByTestId('nat-state').innerText(), { timeout: 20_000 }).toBe('Not sharing');
    expect(await panel().getByTestId('nat-applied').count()).toBe(0);
    await shot('nat-03-off-again');

    expect(bootcastTableExists()).toBe(false);
    expect(inS('sysctl', ['-n', 'net.ipv4.ip_forward']).trim()).toBe(before.ipForward);
    expect(inS('nft', ['list', 'ruleset'])).toBe(before.ruleset);
    expect(clientReachesInternet()).toBe(false);
  });

  it('stops the server cleanly on Ctrl-C', async () => {
    const exited = new Promise<number | null>((done) => server.once('exit', (code) => done(code)));
    server.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 30_000);
});
