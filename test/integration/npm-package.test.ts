import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { waitForLine } from '../support/netns.ts';
import { buildRenderer } from '../ui/support/build-renderer.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/**
 * The npm package as a user meets it: `npm pack` of the checkout (built the way `prepack`
 * builds it), installed offline into an empty folder, then run with no TypeScript, no build
 * step and no source tree. Servers bind loopback only, DHCP off.
 */
describe('the bootcast npm package', () => {
  let work: string;
  let files: string[];
  let bin: string;
  let version: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bootcast-pack-'));
    const stage = join(work, 'stage');
    // A copy of the checkout's files (committed or not, never ignored ones such as out/), so the
    // build below cannot disturb the worktree's own out/.
    const { stdout } = await run('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 16 << 20 });
    for (const f of stdout.split('\0').filter(Boolean)) {
      await mkdir(dirname(join(stage, f)), { recursive: true });
      await cp(join(ROOT, f), join(stage, f)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err; // deleted but not yet committed
      });
    }
    await symlink(join(ROOT, 'node_modules'), join(stage, 'node_modules'));
    await run('npm', ['run', 'build:cli'], { cwd: stage });
    await buildRenderer(join(stage, 'out', 'renderer'));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: stage, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; version: string; files: { path: string }[] }[];
    files = info!.files.map((f) => f.path);
    version = info!.version;
    // ws, the one run-time dependency, comes from the local install as a tarball: no registry.
    await run('npm', ['pack', join(ROOT, 'node_modules', 'ws'), '--ignore-scripts', '--pack-destination', work], { cwd: work });
    const wsVersion = (JSON.parse(await readFile(join(ROOT, 'node_modules', 'ws', 'package.json'), 'utf8')) as { version: string }).version;
    const app = join(work, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), '{"private": true}\n');
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, info!.filename), join(work, `ws-${wsVersion}.tgz`)], { cwd: app });
    bin = join(app, 'node_modules', '.bin', 'bootcast');
  }, 240_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the bundled CLI, the built web UI and the loaders, and no sources, tests or benches', () => {
    expect(files).toContain('bin/bootcast.mjs');
    expect(files).toContain('out/cli/main.mjs');
    expect(files).toContain('out/renderer/index.html');
    expect(files.some((f) => f.startsWith('resources/ipxe/'))).toBe(true);
    expect(files.filter((f) => /^(src-main|src-renderer|test|bench|build)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
  });

  it('prints its version once installed', async () => {
    const { stdout } = await run(bin, ['--version']);
    expect(stdout).toBe(`bootcast ${version}\n`);
  });

  it('serves the web UI with --ui-port without any build step, and stops on SIGINT', async () => {
    const [ui, http, tftp, nbd] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const child = spawn(bin, ['serve', '--interface', 'lo', '--dhcp', 'off', '--ui-port', String(ui), '--http-port', String(http),
      '--tftp-port', String(tftp), '--nbd-port', String(nbd), '--data-dir', join(work, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const [, url] = await waitForLine(child, /Bootcast UI: (\S+)/, 60_000);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="app">/);
      const token = new URL(url!).searchParams.get('token')!;
      const state = await fetch(new URL('/api/call/server.state', url), { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' });
      expect(((await state.json()) as { result: { phase: string } }).result.phase).toBe('running');
      // Export diagnostics works in the headless host too: same report, named as such, with the version.
      const diag = await fetch(new URL('/api/call/diagnostics.export', url), { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' });
      const report = ((await diag.json()) as { result: string }).result;
      expect(report).toMatch(/^# Bootcast diagnostics\n/);
      expect(report).toContain('"host": "headless"');
      expect(report).toContain(`"bootcast": "${version}"`);
      expect(report).not.toContain(token);
      // The loaders ship in the package and the bundled engine finds them: a TFTP client gets iPXE.
      const loader = join(work, 'undionly.kpxe');
      await run('curl', ['-sS', '--max-time', '20', '-o', loader, `tftp://127.0.0.1:${tftp}/undionly.kpxe`]);
      expect((await readFile(loader)).equals(await readFile(join(ROOT, 'resources', 'ipxe', 'undionly.kpxe')))).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
