import { request } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileReader, FileSource } from '../../src-main/servers/file-source.ts';
import type { HttpRequestDone } from '../../src-main/servers/http/http-events.ts';
import { HttpServer } from '../../src-main/servers/http/http-server.ts';
import { until } from '../support/until.ts';

/**
 * The HTTP server sending files that offer positioned reads (ISO content, disk files) through
 * its few reused buffers: order, bounds, and every way a body can end short. Sources here are
 * in memory and scripted; http-curl.test.ts covers real files against curl.
 */
const servers: HttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

interface ReaderScript {
  size: number;
  /** Bytes at a position; the default is a pattern derived from it. */
  bytesAt?: (position: number) => number;
  /** Before a read resolves (delays, failures). */
  before?: (position: number, length: number) => Promise<void> | void;
  /** Where the file now ends (it shrank while being served). */
  endsAt?: number;
}

const pattern = (p: number) => (p * 31 + (p >> 11)) & 0xff;

function scriptedSource(s: ReaderScript) {
  const log = { reads: 0, inFlight: 0, maxInFlight: 0, buffers: new Set<ArrayBufferLike>(), closed: 0 };
  const reader: FileReader = {
    async read(target, position) {
      log.reads++;
      log.inFlight++;
      log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
      log.buffers.add(target.buffer);
      try {
        await s.before?.(position, target.byteLength);
        const n = Math.max(0, Math.min(target.byteLength, (s.endsAt ?? s.size) - position));
        for (let i = 0; i < n; i++) target[i] = (s.bytesAt ?? pattern)(position + i);
        return n;
      } finally {
        log.inFlight--;
      }
    },
    async close() {
      log.closed++;
    },
  };
  const source: FileSource = {
    async resolve() {
      return { size: s.size, createReadStream: () => Readable.from([]), openReader: async () => reader };
    },
  };
  return { source, log };
}

async function start(source: FileSource) {
  const server = new HttpServer({ address: '127.0.0.1', port: 0, source });
  const errors: string[] = [];
  server.events.on('request.error', (e) => errors.push(e.message));
  const done = new Promise<HttpRequestDone>((resolve) => server.events.on('request.done', resolve));
  await server.start();
  servers.push(server);
  return { server, errors, done };
}

function fetchBody(port: number, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/f', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', (err) => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), error: err.message }));
    });
    req.on('error', (err) => resolve({ status: 0, body: Buffer.alloc(0), error: err.message }));
    req.end();
  });
}

const expectedBytes = (from: number, to: number) => Buffer.from(Array.from({ length: to - from }, (_, i) => pattern(from + i)));

describe('HttpServer sending positioned reads through reused buffers', () => {
  it('sends chunks in file order when reads finish out of order, through two reused buffers', async () => {
    const size = 6 * 1024 * 1024 + 5;
    // Every other read is slow, so the one behind it finishes first.
    let n = 0;
    const { source, log } = scriptedSource({ size, before: () => new Promise((r) => setTimeout(r, n++ % 2 ? 0 : 15)) });
    const { server, done } = await start(source);
    const got = await fetchBody(server.port);
    expect(got.body.equals(expectedBytes(0, size))).toBe(true);
    expect(await done).toMatchObject({ status: 200, outcome: 'complete', bytes: size });
    expect(log.maxInFlight).toBeLessThanOrEqual(2);
    // Seven reads (six of 1 MiB, a 5-byte tail): two reused 1 MiB buffers and a small one.
    expect(log.reads).toBe(7);
    expect(log.buffers.size).toBeLessThanOrEqual(3);
    await until(() => log.closed === 1);
  });

  it('serves a byte range from the right offset', async () => {
    const { source } = scriptedSource({ size: 5_000_000 });
    const { server, done } = await start(source);
    const got = await fetchBody(server.port, { Range: 'bytes=1234567-3456788' });
    expect(got.status).toBe(206);
    expect(got.body.equals(expectedBytes(1234567, 3456789))).toBe(true);
    expect(await done).toMatchObject({ outcome: 'complete', bytes: 3456789 - 1234567, range: { start: 1234567, end: 3456788 } });
  });

  it('counts a file that ended short of its Content-Length as failed, cuts the connection and closes the file once', async () => {
    // Two reads at once: 1 MiB that is all there, then one that comes back short.
    const { source, log } = scriptedSource({ size: 1_500_000, endsAt: 1_200_000 });
    const { server, errors, done } = await start(source);
    const got = await fetchBody(server.port);
    expect(got.error ?? (got.body.byteLength < 1_500_000 ? 'short' : undefined)).toBeDefined();
    expect(await done).toMatchObject({ outcome: 'failed', status: 200, bytes: 1024 * 1024 });
    expect(server.stats().failed).toBe(1);
    expect(errors.some((m) => /ended after 1200000 of 1500000 bytes/.test(m))).toBe(true);
    await until(() => log.closed > 0 && log.inFlight === 0);
    await new Promise((r) => setImmediate(r));
    expect(log.closed).toBe(1);
  });

  it('cuts the connection and reports failed when a read fails mid-body', async () => {
    const { source } = scriptedSource({ size: 4_000_000, before: (p) => { if (p >= 2 * 1024 * 1024) throw new Error('EIO at 2 MiB'); } });
    const { server, errors, done } = await start(source);
    const got = await fetchBody(server.port);
    expect(got.body.byteLength).toBeLessThan(4_000_000);
    expect(await done).toMatchObject({ outcome: 'failed' });
    expect(errors.some((m) => /EIO at 2 MiB/.test(m))).toBe(true);
  });

  it('answers 500 before any byte when the file cannot be opened', async () => {
    const source: FileSource = {
      async resolve() {
        return { size: 10, createReadStream: () => Readable.from([]), openReader: () => Promise.reject(new Error('image closed')) };
      },
    };
    const { server, errors, done } = await start(source);
    expect((await fetchBody(server.port)).status).toBe(500);
    expect(await done).toMatchObject({ status: 500, outcome: 'failed' });
    expect(errors.some((m) => /image closed/.test(m))).toBe(true);
  });

  it('stops reading while the client does not read, and closes the file when it goes away', async () => {
    const size = 1024 * 1024 * 1024;
    const { source, log } = scriptedSource({ size, bytesAt: () => 0 });
    const { server, done } = await start(source);
    const socket = connect(server.port, '127.0.0.1', () => socket.write('GET /f HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.pause();
    // Let the socket buffers fill; then reading must have stopped far short of the file.
    let last = -1;
    while (log.reads !== last) {
      last = log.reads;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(log.reads * 1024 * 1024).toBeLessThan(64 * 1024 * 1024);
    socket.destroy();
    expect(await done).toMatchObject({ status: 200, outcome: 'aborted' });
    await until(() => log.closed === 1 && log.inFlight === 0);
    expect(server.stats()).toMatchObject({ active: 0, aborted: 1 });
  });
});
