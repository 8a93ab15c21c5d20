import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRequestDone } from '../../src-main/servers/http/http-events.ts';
import { HttpServer } from '../../src-main/servers/http/http-server.ts';
import { DirSource } from '../support/dir-source.ts';

/** HTTP against curl on loopback: whole files, ranges, HEAD, keep-alive, traversal. */
let dir: string;
let out: string;
let server: HttpServer;
let base: string;
const dones: HttpRequestDone[] = [];
const size = 20 * 1024 * 1024 + 333;
let data: Buffer;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootcast-http-interop-'));
  out = mkdtempSync(join(tmpdir(), 'bootcast-http-out-'));
  data = randomBytes(size);
  writeFileSync(join(dir, 'vmlinuz'), data);
  server = new HttpServer({ address: '127.0.0.1', port: 0, source: new DirSource(dir) });
  server.events.on('request.done', (p) => dones.push(p));
  await server.start();
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 60_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('HTTP interop with curl', () => {
  it('downloads the whole file with identical sha256', async () => {
    const dest = join(out, 'full');
    const r = await curl(['-sS', '-f', '-o', dest, `${base}/vmlinuz`]);
    expect(r.code).toBe(0);
    expect(sha(readFileSync(dest))).toBe(sha(data));
  });

  it.each([
    ['0-0', 0, 0],
    ['1000-1999', 1000, 1999],
    [`${size - 100}-`, size - 100, size - 1],
    ['-4096', size - 4096, size - 1],
    [`5000000-${size + 1000}`, 5_000_000, size - 1],
  ])('downloads range %s with exactly those bytes', async (range, start, end) => {
    const dest = join(out, 'range');
    const r = await curl(['-sS', '-f', '-r', range, '-o', dest, '-w', '%{http_code}', `${base}/vmlinuz`]);
    expect(r.stdout).toBe('206');
    expect(sha(readFileSync(dest))).toBe(sha(data.subarray(start, end + 1)));
  });

  it('resumes a partial download with -C - to an identical file', async () => {
    const dest = join(out, 'resume');
    writeFileSync(dest, data.subarray(0, 7_654_321));
    const r = await curl(['-sS', '-f', '-C', '-', '-o', dest, `${base}/vmlinuz`]);
    expect(r.code).toBe(0);
    expect(sha(readFileSync(dest))).toBe(sha(data));
  });

  it('gets 416 for a range past the end', async () => {
    const r = await curl(['-sS', '-r', `${size}-`, '-o', '/dev/null', '-D', '-', `${base}/vmlinuz`]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 416 /);
    expect(r.stdout).toMatch(new RegExp(`Content-Range: bytes \\*/${size}`, 'i'));
  });

  it('gets the headers alone with HEAD', async () => {
    const r = await curl(['-sS', '-I', `${base}/vmlinuz`]);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.stdout).toMatch(new RegExp(`Content-Length: ${size}\\r\\n`, 'i'));
    expect(r.stdout).toMatch(/Accept-Ranges: bytes/i);
  });

  it('reuses one connection for several requests (keep-alive)', async () => {
    const a = join(out, 'ka-a');
    const b = join(out, 'ka-b');
    const r = await curl(['-v', '-sS', '-o', a, `${base}/vmlinuz`, '--next', '-v', '-sS', '-r', '0-99', '-o', b, `${base}/vmlinuz`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Re-using existing connection/);
    expect(r.stderr.match(/Connected to 127\.0\.0\.1/g)?.length).toBe(1);
    expect(sha(readFileSync(a))).toBe(sha(data));
    expect(sha(readFileSync(b))).toBe(sha(data.subarray(0, 100)));
  });

  it.each([
    ['/../../../etc/passwd', 400],
    ['/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/x/..%2f..%2fetc%2fpasswd', 400],
    ['/', 404],
    ['/nothing-here', 404],
  ])('refuses %s (sent as is) with %d', async (path, status) => {
    const r = await curl(['-sS', '--path-as-is', '-o', '/dev/null', '-w', '%{http_code}', `${base}${path}`]);
    expect(r.stdout).toBe(String(status));
  });

  it('reports the client going away mid-download as aborted', async () => {
    const before = dones.length;
    // --max-filesize is not enforced for known sizes; --limit-rate plus a short --max-time cuts curl off mid-body.
    const r = await curl(['-sS', '--limit-rate', '1M', '--max-time', '1', '-o', '/dev/null', `${base}/vmlinuz`]);
    expect(r.code).toBe(28);
    const deadline = Date.now() + 10_000;
    while (!dones.slice(before).some((d) => d.outcome === 'aborted') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    const aborted = dones.slice(before).find((d) => d.outcome === 'aborted');
    expect(aborted?.status).toBe(200);
    expect(aborted!.bytes).toBeLessThan(size);
  });
});
