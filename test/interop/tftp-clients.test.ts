import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TftpTransferDone, TftpTransferError, TftpTransferStart } from '../../src-main/servers/tftp/tftp-events.ts';
import { TftpServer } from '../../src-main/servers/tftp/tftp-server.ts';
import { DirSource } from '../support/dir-source.ts';
import { LossyUdpProxy } from '../support/lossy-udp-proxy.ts';
import { until } from '../support/until.ts';

/**
 * TFTP against clients nobody here wrote: curl, tftp-hpa and atftp, on loopback. Each download
 * is compared by sha256 with the source file.
 */
let dir: string;
let out: string;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const shaOf = (path: string) => sha(readFileSync(path));
const sizes = { 'small.bin': 3 * 1024 * 1024 + 77, 'lossy.bin': 300 * 1024 + 5, 'big.bin': 40 * 1024 * 1024 };
const digests: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootcast-tftp-interop-'));
  out = mkdtempSync(join(tmpdir(), 'bootcast-tftp-out-'));
  for (const [name, size] of Object.entries(sizes)) {
    const data = randomBytes(size);
    writeFileSync(join(dir, name), data);
    digests[name] = sha(data);
  }
  writeFileSync(join(dir, 'notes.txt'), 'line one\nline two\r\nend\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

let server: TftpServer;
let starts: TftpTransferStart[];
let dones: TftpTransferDone[];
let errors: TftpTransferError[];
const cleanups: Array<() => void> = [];

async function startServer(timeoutMs = 1000, maxRetries = 5) {
  server = new TftpServer({ address: '127.0.0.1', port: 0, source: new DirSource(dir), timeoutMs, maxRetries });
  starts = [];
  dones = [];
  errors = [];
  server.events.on('transfer.start', (p) => starts.push(p));
  server.events.on('transfer.done', (p) => dones.push(p));
  server.events.on('transfer.error', (p) => errors.push(p));
  await server.start();
  return server.port;
}
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await server?.stop();
});

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('TFTP interop with real clients', () => {
  it('curl downloads with --tftp-blksize 1468 and gets identical bytes', async () => {
    const port = await startServer();
    const dest = join(out, 'curl-1468');
    const r = await run('curl', ['-sS', '--tftp-blksize', '1468', '-o', dest, `tftp://127.0.0.1:${port}/small.bin`]);
    expect(r.stderr).toBe('');
    expect(shaOf(dest)).toBe(digests['small.bin']);
    await until(() => dones.length === 1);
    expect(starts[0]).toMatchObject({ path: '/small.bin', options: { blksize: 1468, oack: true } });
    expect(dones[0]).toMatchObject({ outcome: 'complete', bytes: sizes['small.bin'] });
  });

  it('tftp-hpa downloads in binary mode without options (plain RFC 1350)', async () => {
    const port = await startServer();
    const dest = join(out, 'hpa');
    const r = await run('tftp', ['127.0.0.1', String(port), '-m', 'binary', '-c', 'get', 'small.bin', dest]);
    expect(r.code).toBe(0);
    expect(shaOf(dest)).toBe(digests['small.bin']);
    expect(starts[0]).toMatchObject({ options: { blksize: 512, windowsize: 1, oack: false } });
  });

  it('tftp-hpa in ascii mode gets the text back with its own line ends after netascii', async () => {
    const port = await startServer();
    const dest = join(out, 'notes');
    await run('tftp', ['127.0.0.1', String(port), '-m', 'ascii', '-c', 'get', 'notes.txt', dest]);
    expect(readFileSync(dest, 'latin1')).toBe('line one\nline two\r\nend\n');
    expect(starts[0]).toMatchObject({ mode: 'netascii' });
  });

  it('atftp negotiates blksize, tsize and windowsize 8 and gets identical bytes', async () => {
    const port = await startServer();
    const dest = join(out, 'atftp');
    const r = await run('atftp', ['--option', 'blksize 1428', '--option', 'tsize 0', '--option', 'windowsize 8', '-g', '-r', 'small.bin', '-l', dest, '127.0.0.1', String(port)]);
    expect(r.code).toBe(0);
    expect(shaOf(dest)).toBe(digests['small.bin']);
    expect(starts[0]).toMatchObject({ options: { blksize: 1428, windowsize: 8, tsize: sizes['small.bin'], oack: true } });
  });

  it('serves a 40 MB file at blksize 512 (81,920 blocks, rolling over past 65535) to curl and to tftp-hpa', async () => {
    const port = await startServer();
    const viaCurl = join(out, 'big-curl');
    const r = await run('curl', ['-sS', '--tftp-blksize', '512', '-o', viaCurl, `tftp://127.0.0.1:${port}/big.bin`], 120_000);
    expect(r.stderr).toBe('');
    expect(shaOf(viaCurl)).toBe(digests['big.bin']);
    const viaHpa = join(out, 'big-hpa');
    const h = await run('tftp', ['127.0.0.1', String(port), '-m', 'binary', '-c', 'get', 'big.bin', viaHpa], 120_000);
    expect(h.code).toBe(0);
    expect(shaOf(viaHpa)).toBe(digests['big.bin']);
    rmSync(viaCurl);
    rmSync(viaHpa);
    await until(() => dones.length === 2);
    expect(dones.map((d) => [d.outcome, d.bytes])).toEqual([['complete', sizes['big.bin']], ['complete', sizes['big.bin']]]);
  }, 240_000);

  describe('over a lossy link (5% of packets dropped and 5% duplicated, each direction)', () => {
    async function lossy(seed: number, timeoutMs = 20) {
      // Retransmission timeout doubling up to 8x, 10 tries: the server outwaits the clients' own
      // ACK retransmission timers, which is what recovers a lost ACK.
      const port = await startServer(timeoutMs, 10);
      // Requests and the option handshake pass untouched: recovering a lost RRQ is the client's
      // job (on a multi-second timer), and atftp 0.8 aborts on a duplicated OACK ("unexpected OACK").
      const handshake = (m: Buffer, d: 'to-server' | 'to-client') =>
        d === 'to-server' ? m[1] === 1 || (m[1] === 4 && m[2] === 0 && m[3] === 0) : m[1] === 6;
      const proxy = await LossyUdpProxy.start({ targetPort: port, dropRate: 0.05, duplicateRate: 0.05, seed, spare: handshake });
      cleanups.push(() => proxy.close());
      return proxy;
    }

    it('curl without options completes with identical bytes', async () => {
      const proxy = await lossy(1);
      const dest = join(out, 'lossy-curl');
      const r = await run('curl', ['-sS', '--tftp-no-options', '-o', dest, `tftp://127.0.0.1:${proxy.port}/lossy.bin`]);
      expect(r.stderr).toBe('');
      expect(shaOf(dest)).toBe(digests['lossy.bin']);
      expect(proxy.stats.dropped).toBeGreaterThan(0);
      expect(proxy.stats.duplicated).toBeGreaterThan(0);
      await until(() => dones.length === 1);
      // The final ACK may be the packet the link drops: then the server cannot know the client is done.
      expect(['complete', 'timed-out']).toContain(dones[0]!.outcome);
      expect(dones[0]!.bytes).toBeGreaterThanOrEqual(sizes['lossy.bin'] - 512);
      expect(dones[0]!.retransmits).toBeGreaterThan(0);
    });

    it('tftp-hpa completes with identical bytes', async () => {
      const proxy = await lossy(2);
      const dest = join(out, 'lossy-hpa');
      const r = await run('tftp', ['127.0.0.1', String(proxy.port), '-m', 'binary', '-c', 'get', 'lossy.bin', dest]);
      expect(r.code).toBe(0);
      expect(shaOf(dest)).toBe(digests['lossy.bin']);
      expect(proxy.stats.dropped).toBeGreaterThan(0);
    });

    it('atftp with windowsize 8 completes with identical bytes (partial-window ACKs)', async () => {
      // atftp answers only the first out-of-order block after a good one; when that ACK is lost it
      // stays silent until its own timer (1 s here) fires, and every packet it receives restarts
      // that timer. The server's backed-off retransmissions (200 ms up to 1.6 s) leave it that gap.
      const proxy = await lossy(3, 200);
      const dest = join(out, 'lossy-atftp');
      const r = await run('atftp', ['--tftp-timeout', '1', '--option', 'blksize 1428', '--option', 'windowsize 8', '--option', 'tsize 0', '-g', '-r', 'lossy.bin', '-l', dest, '127.0.0.1', String(proxy.port)]);
      expect(`${r.code} ${r.stderr.split('\n').filter((l) => !l.includes('got wrong block')).join(' ')}`).toMatch(/^0 /);
      expect(shaOf(dest)).toBe(digests['lossy.bin']);
      expect(proxy.stats.dropped).toBeGreaterThan(0);
      await until(() => dones.length === 1);
      // The final ACK may be the packet the link drops; the client has everything either way.
      expect(['complete', 'timed-out']).toContain(dones[0]!.outcome);
      expect(starts[0]).toMatchObject({ options: { windowsize: 8, blksize: 1428 } });
    });
  });

  it.each([
    ['tftp-hpa', '../../../etc/passwd'],
    ['tftp-hpa', 'boot\\..\\..\\etc\\passwd'],
    ['atftp', '../etc/hostname'],
    ['atftp', '/../../etc/hostname'],
  ])('%s asking for %s is refused with an access violation', async (client, path) => {
    const port = await startServer();
    const dest = join(out, 'traversal');
    const r =
      client === 'tftp-hpa'
        ? await run('tftp', ['127.0.0.1', String(port), '-m', 'binary', '-c', 'get', path, dest])
        : await run('atftp', ['-g', '-r', path, '-l', dest, '127.0.0.1', String(port)]);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Access violation|code 2/i);
    expect(errors).toMatchObject([{ stage: 'request', code: 2, requested: path }]);
    expect(starts).toEqual([]);
  });

  it('curl asking for a missing file gets TFTP error 1 (file not found)', async () => {
    const port = await startServer();
    const r = await run('curl', ['-sS', '-o', join(out, 'missing'), `tftp://127.0.0.1:${port}/missing.bin`]);
    // curl exit code 68 is CURLE_TFTP_NOTFOUND (curl 7.88 prints a misleading getpeername() message with it, for tftpd-hpa too).
    expect(r.code).toBe(68);
    expect(errors).toMatchObject([{ code: 1 }]);
  });

  it('tftp-hpa uploading is refused', async () => {
    const port = await startServer();
    const r = await run('tftp', ['127.0.0.1', String(port), '-m', 'binary', '-c', 'put', join(dir, 'notes.txt'), 'upload.txt']);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Writes are not accepted/);
    expect(errors).toMatchObject([{ code: 2, stage: 'request' }]);
  });
});
