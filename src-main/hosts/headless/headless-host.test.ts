import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Emitter } from '../../shared/emitter.ts';
import type { ApiClient, ApiEvents, ApiMethods, ImageInfo } from '../../shared/api.ts';
import { startHeadlessHost, type HeadlessHost } from './headless-host.ts';
import { resolveStaticPath } from './static-files.ts';
import { safeUploadName } from './upload-route.ts';

/** A tiny engine stand-in: images.add echoes paths, images.remove refuses unknown ids with a code. */
function fakeApi() {
  const events = new Emitter<ApiEvents>();
  const calls: { method: string; arg: unknown }[] = [];
  const api: ApiClient = {
    async call(method, arg) {
      calls.push({ method, arg });
      if (method === 'images.add') {
        const { paths } = arg as ApiMethods['images.add'][0];
        const added: ImageInfo[] = paths.map((path, i) => ({ id: `img${i}`, path, fileName: path.split('/').pop()!, sizeBytes: 1, plans: [] }));
        events.emit('images.changed', added);
        return added as never;
      }
      if (method === 'images.remove') throw Object.assign(new Error(`no image with id '${(arg as { id: string }).id}'`), { code: 'not-found' });
      if (method === 'log.export') throw new Error('disk on fire');
      return undefined as never;
    },
    on(event, listener) {
      const d = events.on(event, listener);
      return () => d.dispose();
    },
  };
  return { api, events, calls };
}

function httpRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** PUT without Content-Length (chunked), as a browser streaming a File may; resolves the status. */
function chunkedPut(url: string, chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { Authorization: 'Bearer tok-en' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    // Refusing mid-body may reset the connection before the 413 is read: that is a refusal too.
    req.on('error', (err) => (['ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '') ? resolve(-1) : reject(err)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

/** Sends raw bytes, returns everything the server wrote until it closed the connection. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

describe('headless host', () => {
  let dir: string;
  let host: HeadlessHost;
  let fake: ReturnType<typeof fakeApi>;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bootcast-headless-'));
    await mkdir(join(dir, 'renderer/assets'), { recursive: true });
    await writeFile(join(dir, 'renderer/index.html'), '<!doctype html><title>Bootcast</title>');
    await writeFile(join(dir, 'renderer/assets/app-1234.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'outside the renderer');
    fake = fakeApi();
    host = await startHeadlessHost({ api: fake.api, port: 0, rendererDir: join(dir, 'renderer'), token: 'tok-en', uploadDir: join(dir, 'uploads') });
    base = `http://127.0.0.1:${host.port}`;
  });
  afterAll(async () => {
    await host?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const auth = { Authorization: 'Bearer tok-en' };

  it('prints a loopback URL that carries the token', () => {
    expect(host.url).toBe(`${base}/?token=tok-en`);
  });

  it('serves the renderer with a strict content security policy', async () => {
    const res = await httpRequest(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Bootcast</title>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`);
    expect(res.headers['cache-control']).toBe('no-store');
    const asset = await httpRequest(`${base}/assets/app-1234.js`);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('never serves a file outside the renderer directory, however the path is spelled', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00index.html']) {
      const res = await httpRequest(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('outside the renderer');
    }
    expect(resolveStaticPath('/srv/r', '/..%2fsecret')).toBeUndefined();
    expect(resolveStaticPath('/srv/r', '/')).toBe('/srv/r/index.html');
  });

  it('answers 401 to API calls without the right token', async () => {
    const none = await httpRequest(`${base}/api/call/images.list`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    const wrong = await httpRequest(`${base}/api/call/images.list`, { method: 'POST', headers: { Authorization: 'Bearer nope!' }, body: '{}' });
    expect(wrong.status).toBe(401);
    expect(fake.calls.filter((c) => c.method === 'images.list')).toHaveLength(0);
  });

  it('refuses requests addressed to a foreign host name (DNS rebinding)', async () => {
    const res = await httpRequest(`${base}/api/call/images.list`, { method: 'POST', headers: { ...auth, Host: 'evil.example:80' }, body: '{}' });
    expect(res.status).toBe(421);
  });

  it('forwards a call with its argument and returns the result', async () => {
    const res = await httpRequest(`${base}/api/call/images.add`, { method: 'POST', headers: auth, body: JSON.stringify({ arg: { paths: ['/isos/a.iso'] } }) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).result[0]).toMatchObject({ path: '/isos/a.iso', fileName: 'a.iso' });
    expect(fake.calls.at(-1)).toEqual({ method: 'images.add', arg: { paths: ['/isos/a.iso'] } });
  });

  it('reports engine errors with their code and message', async () => {
    const refused = await httpRequest(`${base}/api/call/images.remove`, { method: 'POST', headers: auth, body: JSON.stringify({ arg: { id: 'x' } }) });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body)).toEqual({ error: { code: 'not-found', message: "no image with id 'x'" } });
    const crashed = await httpRequest(`${base}/api/call/log.export`, { method: 'POST', headers: auth, body: '{}' });
    expect(crashed.status).toBe(500);
    expect(JSON.parse(crashed.body).error.message).toBe('disk on fire');
  });

  it('rejects unknown methods, wrong verbs and malformed bodies without calling the engine', async () => {
    const before = fake.calls.length;
    expect((await httpRequest(`${base}/api/call/constructor`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(404);
    expect((await httpRequest(`${base}/api/call/images.list`, { method: 'GET', headers: auth })).status).toBe(405);
    expect((await httpRequest(`${base}/api/call/images.list`, { method: 'POST', headers: auth, body: '{oops' })).status).toBe(400);
    expect((await httpRequest(`${base}/api/call/images.list`, { method: 'POST', headers: auth, body: '[1]' })).status).toBe(400);
    expect(fake.calls.length).toBe(before);
  });

  it('pushes engine events to WebSocket clients that present the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=tok-en`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const frame = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
    fake.events.emit('log.entry', { ts: '2026-01-01T00:00:00Z', level: 'info', source: 'test', message: 'hello' });
    expect(await frame).toEqual({ event: 'log.entry', payload: { ts: '2026-01-01T00:00:00Z', level: 'info', source: 'test', message: 'hello' } });
    ws.close();
  });

  it('refuses the WebSocket upgrade without the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!)).once('error', () => resolve(-1)));
    expect(status).toBe(401);
  });

  it('survives an upgrade request whose target is not a URL, and keeps serving', async () => {
    for (const target of ['//', '//evil.example/api/events', '/api/events/%', 'http://x/api/events']) {
      const reply = await rawExchange(host.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      expect(reply, target).toMatch(/^HTTP\/1\.1 (400|404) /);
    }
    expect((await httpRequest(`${base}/`)).status).toBe(200);
  });

  it('refuses the WebSocket upgrade from a page of another origin, even with the token', async () => {
    const foreign = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=tok-en`, { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => foreign.once('unexpected-response', (_req, res) => resolve(res.statusCode!)).once('error', () => resolve(-1)));
    expect(status).toBe(403);
    const own = new WebSocket(`ws://127.0.0.1:${host.port}/api/events?token=tok-en`, { origin: `http://localhost:${host.port}` });
    await new Promise((resolve, reject) => own.once('open', resolve).once('error', reject));
    own.close();
  });

  it('answers a malformed request with 400 and closes the connection', async () => {
    const reply = await rawExchange(host.port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('streams an upload into the upload directory without overwriting an earlier one', async () => {
    const first = await httpRequest(`${base}/api/upload?name=${encodeURIComponent('../../日本語.iso')}`, { method: 'PUT', headers: auth, body: Buffer.from('ISO-ONE') });
    expect(first.status).toBe(200);
    const firstPath = JSON.parse(first.body).path as string;
    expect(firstPath).toBe(join(dir, 'uploads', '日本語.iso'));
    const second = await httpRequest(`${base}/api/upload?name=日本語.iso`, { method: 'PUT', headers: auth, body: Buffer.from('ISO-TWO') });
    const secondPath = JSON.parse(second.body).path as string;
    expect(secondPath).toBe(join(dir, 'uploads', '日本語-1.iso'));
    expect(await readFile(firstPath, 'utf8')).toBe('ISO-ONE');
    expect(await readFile(secondPath, 'utf8')).toBe('ISO-TWO');
    expect((await httpRequest(`${base}/api/upload?name=x.iso`, { method: 'PUT', body: 'x' })).status).toBe(401);
  });

  it('cleans upload names of directories, hidden dots and control characters', () => {
    expect(safeUploadName('..\\..\\windows\\a.iso')).toBe('a.iso');
    expect(safeUploadName('.hidden.iso')).toBe('hidden.iso');
    expect(safeUploadName(' .bashrc')).toBe('bashrc');
    expect(safeUploadName('. .profile. ')).toBe('profile');
    expect(safeUploadName('CON')).toBe('_CON');
    expect(safeUploadName('nul.iso')).toBe('_nul.iso');
    expect(safeUploadName('com1.txt')).toBe('_com1.txt');
    expect(safeUploadName('console.iso')).toBe('console.iso');
    expect(safeUploadName('a\u0000b.iso')).toBe('a_b.iso');
    expect(safeUploadName('')).toBeUndefined();
  });

  it('writes uploads readable by their owner only', async () => {
    const res = await httpRequest(`${base}/api/upload?name=private.iso`, { method: 'PUT', headers: auth, body: Buffer.from('secret') });
    expect((await stat(JSON.parse(res.body).path as string)).mode & 0o777).toBe(0o600);
  });

  it('refuses an upload over the size limit, declared or streamed, and keeps nothing of it', async () => {
    const small = await startHeadlessHost({ api: fake.api, port: 0, rendererDir: join(dir, 'renderer'), token: 'tok-en', uploadDir: join(dir, 'small-uploads'), uploadLimits: () => ({ uploadMaxBytes: 1000, uploadReserveBytes: 0 }) });
    try {
      const declared = await httpRequest(`http://127.0.0.1:${small.port}/api/upload?name=big.iso`, { method: 'PUT', headers: auth, body: Buffer.alloc(2000) });
      expect(declared.status).toBe(413);
      expect(JSON.parse(declared.body).error.message).toMatch(/uploadMaxBytes/);
      const streamed = await chunkedPut(`http://127.0.0.1:${small.port}/api/upload?name=big2.iso`, [Buffer.alloc(600), Buffer.alloc(600)]);
      expect([413, -1]).toContain(streamed);
      expect(await readdir(join(dir, 'small-uploads'))).toEqual([]);
      const fits = await httpRequest(`http://127.0.0.1:${small.port}/api/upload?name=ok.iso`, { method: 'PUT', headers: auth, body: Buffer.alloc(1000) });
      expect(fits.status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('refuses an upload that would leave the disk below the reserve', async () => {
    const full = await startHeadlessHost({ api: fake.api, port: 0, rendererDir: join(dir, 'renderer'), token: 'tok-en', uploadDir: join(dir, 'full-uploads'), uploadLimits: () => ({ uploadMaxBytes: 1 << 30, uploadReserveBytes: Number.MAX_SAFE_INTEGER }) });
    try {
      const res = await httpRequest(`http://127.0.0.1:${full.port}/api/upload?name=a.iso`, { method: 'PUT', headers: auth, body: Buffer.alloc(10) });
      expect(res.status).toBe(507);
      expect(JSON.parse(res.body).error.message).toMatch(/uploadReserveBytes/);
    } finally {
      await full.close();
    }
  });

  it('refuses to bind anywhere but loopback', async () => {
    await expect(startHeadlessHost({ api: fake.api, port: 0, rendererDir: dir, host: '0.0.0.0' as never })).rejects.toThrow(/loopback only/);
  });
});
