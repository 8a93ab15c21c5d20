import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { waitForLine } from '../support/netns.ts';

/**
 * `bootcast serve` as scripts use it: exit statuses (0 ok, 1 not found, 2 bad input), messages
 * that say what to do, and a clean stop on SIGINT. Only loopback with DHCP off: no DHCP server
 * ever starts on the machine's own interfaces.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin/bootcast.mjs');
const work = mkdtempSync(join(tmpdir(), 'bootcast-serve-cli-'));
const bootcast = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('bootcast serve on the command line', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints the package version with --version and exits 0', () => {
    const r = bootcast('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`bootcast ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });

  it('prints its usage with --help and exits 0', () => {
    const r = bootcast('serve', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--interface NAME');
    expect(r.stdout).toContain('--dhcp MODE');
  });

  it('exits 2 with the usage when --interface is missing or a flag is wrong', () => {
    const missing = bootcast('serve', 'x.iso');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--interface NAME is required');
    const bad = bootcast('serve', '--interface', 'lo', '--dhcp', 'sometimes');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--dhcp takes auto, proxy, full or off');
  });

  it('exits 1 naming what is missing: an image, or an interface (listing the ones there are)', () => {
    const image = bootcast('serve', join(work, 'nope.iso'), '--interface', 'lo', '--dhcp', 'off');
    expect(image.status).toBe(1);
    expect(image.stderr).toContain('image not found');
    const iface = bootcast('serve', '--interface', 'no-such-if0', '--dhcp', 'off');
    expect(iface.status).toBe(1);
    expect(iface.stderr).toMatch(/no network interface called 'no-such-if0'.*Interfaces here: .*lo \(127\.0\.0\.1\)/);
  });

  it('exits 2 when no given image can be used, saying why', () => {
    const junk = join(work, 'junk.iso');
    writeFileSync(junk, Buffer.alloc(40_000, 7));
    const r = bootcast('serve', junk, '--interface', 'lo', '--dhcp', 'off', '--data-dir', join(work, 'd0'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot use .*junk\.iso: .*not an ISO 9660 image/);
  });

  it('serves until SIGINT, writes the timeline as JSON lines, then stops cleanly with exit 0', async () => {
    const iso = join(work, 'tiny-arch.iso');
    spawnSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { stdio: 'ignore' });
    const events = join(work, 'events.jsonl');
    const ports = [await freePort(), await freePort(), await freePort()].map(String);
    const child = spawn(process.execPath, [BIN, 'serve', iso, '--interface', 'lo', '--dhcp', 'off', '--http-port', ports[0]!, '--tftp-port', ports[1]!, '--nbd-port', ports[2]!,
      '--events', events, '--data-dir', join(work, 'd1')], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForLine(child, /serving on lo \(127\.0\.0\.1\)/, 30_000);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(readFileSync(events, 'utf8')).toBe(''); // nobody booted: an empty stream, not a broken one
  });

  it('stops cleanly when SIGINT arrives while it is still starting', async () => {
    const ports = [await freePort(), await freePort(), await freePort()].map(String);
    const child = spawn(process.execPath, [BIN, 'serve', '--interface', 'lo', '--dhcp', 'off', '--http-port', ports[0]!, '--tftp-port', ports[1]!, '--nbd-port', ports[2]!,
      '--data-dir', join(work, 'd2')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // The DHCP decision is logged in the middle of start-up, before the servers are up.
    await waitForLine(child, /DHCP off/, 30_000);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr).toContain('SIGINT: stopping');
  });

  it('stops the engine cleanly, with exit 2, when an exception escapes a handler', async () => {
    const ports = [await freePort(), await freePort(), await freePort()].map(String);
    const child = spawn(process.execPath, ['--import', join(ROOT, 'test/support/fault-after-start.mjs'), BIN, 'serve', '--interface', 'lo', '--dhcp', 'off',
      '--http-port', ports[0]!, '--tftp-port', ports[1]!, '--nbd-port', ports[2]!, '--data-dir', join(work, 'd3')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    expect(await exited).toBe(2);
    expect(stderr).toContain('internal error, stopping cleanly: Error: injected fault in a handler');
    expect(stderr).toMatch(/server: stopped/);
  });
});
