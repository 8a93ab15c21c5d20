import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { attachRunningEngine } from '../../src-main/hosts/helper/helper-launcher.ts';
import { helperPaths } from '../../src-main/hosts/helper/helper-protocol.ts';
import { RemoteEngine } from '../../src-main/hosts/helper/remote-engine.ts';
import { NetLab, waitForLine } from '../support/netns.ts';
import { PkexecBroker } from '../support/pkexec-broker.ts';
import { buildRenderer } from './support/build-renderer.ts';
import { launchChromium, type Chromium } from './support/chromium.ts';

const REPO = resolve(import.meta.dirname, '../..');
const NOBODY = 65534;
const NOGROUP = 65534;
const SHOTS = join(REPO, 'test-artifacts/ui');
const lab = new NetLab();
/** The window runs as nobody from this checkout: it (and node, and tsx) must be readable by nobody, as under /work or /home, not /root 0700. */
function nobodyCanRun(): boolean {
  const probe = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(join(REPO, 'node_modules', 'tsx', 'package.json'))})`], { stdio: 'ignore', timeout: 30_000 });
  return probe.status === 0;
}
const available = ((): { ok: boolean } => {
  const lab = NetLab.available();
  if (!lab.ok) return lab;
  if (nobodyCanRun()) return { ok: true };
  console.warn(`privileged-helper.test.ts skipped: user nobody cannot read ${REPO} or run ${process.execPath}; clone the repository somewhere world-readable to run it`);
  return { ok: false };
})();

/**
 * The desktop's privilege split, on Linux, without Electron: the UI host (in-process engine
 * behind the EngineSwitch, served by the headless host to Chromium) runs as `nobody`; Start
 * launches the engine helper as root through the pkexec path, with the test's runuser broker
 * standing in for pkexec (polkit has no agent here). Everything runs in a namespace whose
 * bridge has 198.18.0.1; the servers open the real privileged ports 69 and 80 there.
 */
describe.skipIf(!available.ok)('the unprivileged window and its privileged engine helper', () => {
  let work: string;
  let ns: string;
  let broker: PkexecBroker;
  let browser: Chromium;
  let page: Page;
  let renderer: string;
  const dataDir = () => join(work, 'data');
  const runDir = () => join(work, 'run');
  const uiHosts: ChildProcess[] = [];

  /** The pid listening on a TCP port in the namespace (ss -p), and its real uid. */
  function listener(port: number): { pid: number; uid: number } | undefined {
    const out = lab.exec(ns, 'ss', ['-Hltnp', `sport = :${port}`]);
    const pid = Number(/pid=(\d+)/.exec(out)?.[1]);
    if (!pid) return undefined;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { pid, uid };
  }

  async function startUiHost(...flags: string[]): Promise<{ url: string; pid: number }> {
    const standIn = join(REPO, 'test/support/pkexec-stand-in.mjs');
    const child = lab.spawn(ns, 'runuser', ['-u', 'nobody', '--', 'env', `BOOTCAST_TEST_PKEXEC_SOCKET=${broker.socketPath}`, `HOME=${work}`,
      process.execPath, '--import', 'tsx', join(REPO, 'test/support/unprivileged-ui-host.ts'), dataDir(), renderer, runDir(), JSON.stringify([process.execPath, standIn]), ...flags], { cwd: REPO });
    uiHosts.push(child);
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString('utf8')));
    const [, url] = await waitForLine(child, /^UI: (\S+)/, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${log}`);
    });
    const pid = listener(Number(new URL(url!).port))!.pid;
    return { url: url!, pid };
  }

  const helperAlive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

  async function startServingFromTheWindow(url: string): Promise<void> {
    await page.goto(url);
    await page.getByTestId('nav-network').click();
    await page.locator('[data-iface="br0"]').click();
    await page.locator('[data-mode="off"]').click();
    await expect.poll(() => page.locator('[data-mode="off"]').getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => page.getByTestId('privilege-notice').textContent(), { timeout: 15_000 }).toContain('will ask for your password once');
    expect(await page.getByTestId('privilege-notice').textContent()).toContain('UDP 69 and TCP 80');
    await page.screenshot({ path: join(SHOTS, 'privileged-00-before-start.png') });
    await page.locator('.run [data-testid="start-stop"]').click();
    await expect.poll(() => page.locator('.run [data-testid="server-status"]').innerText(), { timeout: 60_000 }).toContain('Running');
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bootcast-priv-'));
    await chmod(work, 0o755);
    await mkdir(SHOTS, { recursive: true });
    await mkdir(dataDir());
    await chown(dataDir(), NOBODY, NOGROUP);
    await mkdir(runDir(), { mode: 0o755 });
    renderer = await buildRenderer();
    // nobody must read the built UI: mkdtemp made it 0700.
    await chmod(renderer, 0o755);
    for (const d of await readdir(renderer, { withFileTypes: true })) if (d.isDirectory()) await chmod(join(renderer, d.name), 0o755);
    ns = lab.addNamespace('bcpriv');
    lab.addBridge(ns, 'br0', '198.18.0.1/24');
    broker = await PkexecBroker.start(work, ns);
    const wrapper = join(work, 'chromium-in-netns.sh');
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${ns}' '${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'}' "$@"\n`);
    await chmod(wrapper, 0o755);
    browser = await launchChromium({ executablePath: wrapper });
    page = await browser.context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const c of uiHosts) c.kill('SIGKILL');
    await broker?.close();
    await lab.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  let helperPid = 0;
  let uiPid = 0;

  it('says before Start that it will ask for a password, then serves on ports 69 and 80 from a root helper while the window stays nobody', async () => {
    const ui = await startUiHost();
    uiPid = ui.pid;
    expect(listener(Number(new URL(ui.url).port))!.uid).toBe(NOBODY);
    await startServingFromTheWindow(ui.url);
    await page.screenshot({ path: join(SHOTS, 'privileged-01-running.png') });
    const http = listener(80)!;
    expect(http.uid).toBe(0);
    expect(http.pid).not.toBe(uiPid);
    helperPid = http.pid;
    expect(lab.exec(ns, 'curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://198.18.0.1/boot.ipxe'])).toMatch(/^[1-5]\d\d$/);
    expect(lab.exec(ns, 'ss', ['-Hlunp', 'sport = :69'])).toContain(`pid=${helperPid}`);
    // The settings the window chose before Start are the ones the helper serves with.
    expect(await page.locator('[data-service="http"]').innerText()).toContain('198.18.0.1:80');
    // The socket folder is root's (nobody can swap entries in it); the socket and token are the user's alone.
    const paths = helperPaths(runDir(), NOBODY);
    expect(statSync(paths.dir)).toMatchObject({ uid: 0, mode: expect.any(Number) });
    expect(statSync(paths.dir).mode & 0o777).toBe(0o711);
    for (const f of [paths.socket, paths.token]) {
      expect(statSync(f).uid).toBe(NOBODY);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    // The token went over stdin, never argv (ps shows argv to every user) nor the helper's log.
    const token = readFileSync(paths.token, 'utf8');
    expect(readFileSync(`/proc/${helperPid}/cmdline`, 'utf8')).not.toContain(token);
    expect(broker.stderr).not.toContain(token);
  }, 120_000);

  it('refuses a client without the token, and a second window while one is attached', async () => {
    const { socket, token: tokenFile } = helperPaths(runDir(), NOBODY);
    const status = await new Promise<number>((done, fail) => {
      request({ socketPath: socket, path: '/api/call/server.state', method: 'POST', headers: { Host: 'localhost' } }, (res) => {
        res.resume();
        done(res.statusCode!);
      }).on('error', fail).end('{}');
    });
    expect(status).toBe(401);
    await expect(RemoteEngine.attach(socket, 'not-the-token-at-all')).rejects.toMatchObject({ code: 'refused' });
    const token = readFileSync(tokenFile, 'utf8');
    await expect(RemoteEngine.attach(socket, token)).rejects.toMatchObject({ code: 'busy' });
    // Nor may a second helper for the same user take the socket (and the ports) over.
    const second = spawn(process.execPath, [join(REPO, 'bin/bootcast.mjs'), 'engine-helper', '--run-dir', runDir()], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    second.stdin.end(JSON.stringify({ token: 'another-token-long-enough', dataDir: dataDir(), ownerUid: NOBODY, ownerGid: NOGROUP }) + '\n');
    const [line] = await waitForLine(second, /^\{.*\}$/, 60_000);
    expect(JSON.parse(line!)).toEqual({ ready: false, error: expect.stringContaining('already running for this user') });
    expect(readFileSync(tokenFile, 'utf8')).toBe(token);
  });

  it('stops serving and exits when its window goes away', async () => {
    process.kill(uiPid, 'SIGKILL');
    await vi.waitFor(() => expect(helperAlive(helperPid)).toBe(false), { timeout: 30_000, interval: 200 });
    expect(listener(80)).toBeUndefined();
    expect(existsSync(helperPaths(runDir(), NOBODY).socket)).toBe(false);
  }, 40_000);

  it('with "keep serving" on, outlives its window; the next window attaches, and turning it off lets the helper go', async () => {
    const ui = await startUiHost('--keep-serving');
    await startServingFromTheWindow(ui.url);
    const pid = listener(80)!.pid;
    const detachedBefore = broker.stderr.split('UI detached').length;
    process.kill(ui.pid, 'SIGKILL');
    await vi.waitFor(() => expect(broker.stderr.split('UI detached').length).toBeGreaterThan(detachedBefore), { timeout: 20_000, interval: 100 });
    // Well past the helper's 300 ms grace: without keep serving it would be gone by now.
    await new Promise((r) => setTimeout(r, 2000));
    expect(helperAlive(pid)).toBe(true);
    expect(listener(80)?.pid).toBe(pid);
    const next = await attachRunningEngine(runDir(), NOBODY);
    expect(next).toBeDefined();
    expect((await next!.call('server.state', undefined)).phase).toBe('running');
    // Root can read anything; the window's user may only serve images that user can read.
    const secret = join(work, 'root-only.iso');
    await writeFile(secret, 'not for nobody', { mode: 0o600 });
    await expect(next!.call('images.add', { paths: [secret] })).rejects.toMatchObject({ code: 'forbidden' });
    await next!.setKeepServing(false);
    next!.close();
    await vi.waitFor(() => expect(helperAlive(pid)).toBe(false), { timeout: 30_000, interval: 200 });
    // What the root engine wrote in the user's data folder belongs to the user again.
    const entries = await readdir(dataDir(), { recursive: true });
    expect(entries).toContain('settings.json');
    expect(entries.filter((f) => statSync(join(dataDir(), f)).uid !== NOBODY)).toEqual([]);
    expect(JSON.parse(readFileSync(join(dataDir(), 'settings.json'), 'utf8'))).toMatchObject({ interface: 'br0', dhcpMode: 'off' });
  }, 120_000);

  it("works through an elevation tool that relays no stdio (macOS's administrator prompt), and still ends with its window", async () => {
    const ui = await startUiHost('--shell-elevation');
    await startServingFromTheWindow(ui.url).catch(async (err: Error) => {
      throw new Error(`${err.message}\nwindow says: ${await page.getByTestId('server-action-error').textContent().catch(() => '')}\nhelper: ${broker.stderr.slice(-2000)}`);
    });
    const http = listener(80)!;
    expect(http.uid).toBe(0);
    expect(http.pid).not.toBe(ui.pid);
    process.kill(ui.pid, 'SIGKILL');
    await vi.waitFor(() => expect(helperAlive(http.pid)).toBe(false), { timeout: 30_000, interval: 200 });
    expect(listener(80)).toBeUndefined();
  }, 120_000);
});
