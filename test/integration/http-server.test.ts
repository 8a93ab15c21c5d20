import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, Agent, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FileSource } from '../../src-main/servers/file-source.ts';
import type { HttpRequestDone, HttpServerEvents } from '../../src-main/servers/http/http-events.ts';
import { HttpServer, type HttpServerOptions } from '../../src-main/servers/http/http-server.ts';
import { DirSource } from '../support/dir-source.ts';
import { until } from '../support/until.ts';

let dir: string;
const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootcast-http-'));
  writeFileSync(join(dir, 'file.bin'), data);
  writeFileSync(join(dir, 'boot.ipxe'), '#!ipxe\nchain next\n');
  writeFileSync(join(dir, 'empty.bin'), '');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: HttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function startServer(options: Partial<HttpServerOptions> = {}) {
  const source = new DirSource(dir);
  const server = new HttpServer({ address: '127.0.0.1', port: 0, source, ...options });
  const log: Array<[keyof HttpServerEvents, unknown]> = [];
  for (const name of ['request.start', 'request.done', 'request.error'] as const) server.events.on(name, (p) => log.push([name, p]));
  await server.start();
  servers.push(server);
  const nextDone = () =>
    new Promise<HttpRequestDone>((resolve) => {
      const d = server.events.on('request.done', (p) => {
        d.dispose();
        resolve(p);
      });
    });
  return { server, source, log, nextDone };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  localPort: number;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), localPort: req.socket?.localPort ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a request target exactly as written (Node's client and curl would normalise some). */
function raw(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('HttpServer', () => {
  it('serves a whole file with Content-Length, Accept-Ranges and a default Content-Type', async () => {
    const { server, nextDone } = await startServer();
    const done = nextDone();
    const r = await get(server.port, '/file.bin');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('100000');
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers['last-modified']).toBeDefined();
    expect(r.body.equals(Buffer.from(data))).toBe(true);
    expect(await done).toMatchObject({ status: 200, bytes: 100_000, range: null, outcome: 'complete', path: '/file.bin' });
  });

  it('answers HEAD with the headers of GET and no body, without opening the file', async () => {
    const opened: string[] = [];
    const source: FileSource = {
      async resolve(path) {
        return { size: 1234, createReadStream: () => (opened.push(path), Readable.from([Buffer.alloc(1234)])) };
      },
    };
    const { server } = await startServer({ source });
    const r = await get(server.port, '/x', {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('1234');
    expect(r.body.byteLength).toBe(0);
    expect(opened).toEqual([]);
  });

  it.each([
    ['bytes=0-9', 0, 9],
    ['bytes=99990-', 99_990, 99_999],
    ['bytes=-16', 99_984, 99_999],
    ['bytes=50000-50000', 50_000, 50_000],
    ['bytes=99000-200000', 99_000, 99_999],
  ])('serves Range %s as 206 with Content-Range and exactly those bytes', async (range, start, end) => {
    const { server, nextDone } = await startServer();
    const done = nextDone();
    const r = await get(server.port, '/file.bin', { Range: range });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/100000`);
    expect(r.headers['content-length']).toBe(String(end - start + 1));
    expect(r.body.equals(Buffer.from(data.subarray(start, end + 1)))).toBe(true);
    expect(await done).toMatchObject({ status: 206, bytes: end - start + 1, range: { start, end } });
  });

  it('answers an unsatisfiable range with 416 and Content-Range bytes */size', async () => {
    const { server } = await startServer();
    const r = await get(server.port, '/file.bin', { Range: 'bytes=100000-' });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */100000');
  });

  it('serves the whole file for several ranges or an If-Range that no longer matches', async () => {
    const { server } = await startServer();
    expect((await get(server.port, '/file.bin', { Range: 'bytes=0-1,5-6' })).status).toBe(200);
    const stale = await get(server.port, '/file.bin', { Range: 'bytes=0-1', 'If-Range': 'Wed, 21 Oct 2015 07:28:00 GMT' });
    expect(stale.status).toBe(200);
    expect(stale.body.byteLength).toBe(100_000);
    const lastModified = stale.headers['last-modified']!;
    expect((await get(server.port, '/file.bin', { Range: 'bytes=0-1', 'If-Range': lastModified })).status).toBe(206);
  });

  it('serves an empty file as 200 with Content-Length 0', async () => {
    const { server } = await startServer();
    const r = await get(server.port, '/empty.bin');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('0');
    expect(r.body.byteLength).toBe(0);
  });

  it('passes the query string to the source and serves its Content-Type (generated iPXE scripts)', async () => {
    const { server, source, log } = await startServer();
    const r = await get(server.port, '/boot.ipxe?mac=52:54:00:12:34:56&arch=efi64');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    const call = source.calls.at(-1)!;
    expect(call.path).toBe('/boot.ipxe');
    expect(call.ctx.protocol).toBe('http');
    expect(call.ctx.remoteAddress).toBe('127.0.0.1');
    expect(call.ctx.query?.get('mac')).toBe('52:54:00:12:34:56');
    expect(call.ctx.query?.get('arch')).toBe('efi64');
    expect(log.find(([n]) => n === 'request.start')?.[1]).toMatchObject({ method: 'GET', path: '/boot.ipxe', query: 'mac=52:54:00:12:34:56&arch=efi64', range: null });
  });

  it.each([
    ['/../etc/passwd', 400],
    ['/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/images/..%2f..%2fetc%2fpasswd', 400],
    ['/..\\..\\etc\\passwd', 400],
    ['/a/%00', 400],
    ['/C:/Windows/win.ini', 400],
    ['/', 404],
    ['/images/', 404],
    ['/missing.bin', 404],
    ['http://example.invalid/../x', 400],
    ['*', 400],
  ])('refuses %s with %d and never asks the source about traversal', async (target, status) => {
    const { server, source } = await startServer();
    const text = await raw(server.port, target);
    expect(text.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    for (const call of source.calls) expect(call.path.split('/')).not.toContain('..');
  });

  it('accepts an absolute-form request target', async () => {
    const { server } = await startServer();
    const text = await raw(server.port, 'http://127.0.0.1/boot.ipxe?x=1');
    expect(text.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(text.endsWith('#!ipxe\nchain next\n')).toBe(true);
  });

  it('refuses other methods with 405 and an Allow header', async () => {
    const { server } = await startServer();
    const r = await get(server.port, '/file.bin', {}, 'POST');
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('keeps the connection alive across requests', async () => {
    const { server } = await startServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await get(server.port, '/file.bin', {}, 'GET', agent);
      const b = await get(server.port, '/boot.ipxe', {}, 'GET', agent);
      const c = await get(server.port, '/file.bin', { Range: 'bytes=0-0' }, 'GET', agent);
      expect([a.status, b.status, c.status]).toEqual([200, 200, 206]);
      expect(b.localPort).toBe(a.localPort);
      expect(c.localPort).toBe(a.localPort);
    } finally {
      agent.destroy();
    }
  });

  it('stops reading from the source while the client does not read, and destroys the stream when the client goes away', async () => {
    let produced = 0;
    let destroyed = false;
    const size = 1024 * 1024 * 1024;
    const source: FileSource = {
      async resolve() {
        return {
          size,
          createReadStream: () => {
            const stream = new Readable({
              read() {
                produced += 65536;
                this.push(Buffer.alloc(65536));
              },
            });
            stream.on('close', () => (destroyed = true));
            return stream;
          },
        };
      },
    };
    const { server, nextDone } = await startServer({ source });
    const done = nextDone();
    const socket = connect(server.port, '127.0.0.1', () => socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.pause();
    // Let the socket buffers fill; then production must have stopped far short of the file.
    let last = -1;
    while (produced !== last) {
      last = produced;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(produced).toBeLessThan(64 * 1024 * 1024);
    socket.destroy();
    await until(() => destroyed);
    expect(await done).toMatchObject({ status: 200, outcome: 'aborted' });
    expect(server.stats()).toMatchObject({ active: 0, aborted: 1 });
  });

  it('cuts the connection short and reports failed when the source stream breaks mid-body', async () => {
    const source: FileSource = {
      async resolve() {
        return {
          size: 10_000,
          createReadStream: () => Readable.from((async function* () { yield Buffer.alloc(4000); throw new Error('read error at offset 4000'); })()),
        };
      },
    };
    const { server, log, nextDone } = await startServer({ source });
    const done = nextDone();
    const text = await raw(server.port, '/x');
    expect(text.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(text.length).toBeLessThan(10_000);
    expect(await done).toMatchObject({ outcome: 'failed', bytes: 4000 });
    expect(log.some(([n, p]) => n === 'request.error' && /read error at offset 4000/.test((p as { message: string }).message))).toBe(true);
  });

  it('answers 500 and reports the error when the source throws', async () => {
    const source: FileSource = { resolve: async () => { throw new Error('image library unavailable'); } };
    const { server, log } = await startServer({ source });
    expect((await get(server.port, '/x')).status).toBe(500);
    expect(log.some(([n, p]) => n === 'request.error' && /image library unavailable/.test((p as { message: string }).message))).toBe(true);
  });

  it('rate-limits request.progress by the injected clock and reports growing byte counts', async () => {
    let now = 0;
    const source: FileSource = {
      async resolve() {
        return { size: 64 * 65536, createReadStream: () => Readable.from(Array.from({ length: 64 }, () => Buffer.alloc(65536))) };
      },
    };
    const { server } = await startServer({ source, now: () => (now += 10), progressIntervalMs: 100 });
    const progress: number[] = [];
    server.events.on('request.progress', (p) => progress.push(p.bytes));
    const r = await get(server.port, '/x');
    expect(r.body.byteLength).toBe(64 * 65536);
    // 64 chunks, 10 ms of clock per chunk, one event per 100 ms: a handful, not one per chunk.
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.length).toBeLessThan(16);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('reports a port already in use as a BindError telling the user what to do', async () => {
    const { server } = await startServer();
    const second = new HttpServer({ address: '127.0.0.1', port: server.port, source: new DirSource(dir) });
    await expect(second.start()).rejects.toThrow(/already in use/);
  });
});

describe('HttpServer facing a hostile or broken peer', () => {
  it('counts a body that ended short of its Content-Length as failed and cuts the connection', async () => {
    const short: FileSource = {
      async resolve() {
        return { size: 100_000, createReadStream: () => Readable.from([Buffer.alloc(40_000, 1)]) };
      },
    };
    const { server, nextDone } = await startServer({ source: short });
    const done = nextDone();
    const got = await new Promise<{ bytes: number; error?: string }>((resolve) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/x.bin' }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.byteLength));
        res.on('end', () => resolve({ bytes }));
        res.on('error', (err) => resolve({ bytes, error: err.message }));
      });
      req.on('error', (err) => resolve({ bytes: -1, error: err.message }));
      req.end();
    });
    expect(got.error).toBeDefined();
    expect(got.bytes).toBeLessThan(100_000);
    expect(await done).toMatchObject({ outcome: 'failed', bytes: 40_000, status: 200 });
    expect(server.stats().failed).toBe(1);
  });

  it('marks error pages nosniff: they echo the request path', async () => {
    const { server } = await startServer();
    const res = await get(server.port, '/<script>alert(1)</script>.html');
    expect(res.status).toBe(404);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
