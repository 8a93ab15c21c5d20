import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NbdCmd } from '../../src-main/protocol/nbd/index.ts';
import { HttpServer, type HttpServerOptions } from '../../src-main/servers/http/http-server.ts';
import type { HttpRequestDone } from '../../src-main/servers/http/http-events.ts';
import { NbdServer, staticExports, type NbdServerOptions } from '../../src-main/servers/nbd/index.ts';
import { DirSource } from '../support/dir-source.ts';
import { RawNbdClient } from '../support/nbd-raw-client.ts';
import { until } from '../support/until.ts';

/**
 * The HTTP and NBD servers against clients that hold connections open, never read, or never
 * finish their headers: every connection, buffer and byte of memory stays bounded. Bounds and
 * behaviour are asserted, never how long anything took.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootcast-limits-'));
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(48 * 1024 * 1024, 7));
  writeFileSync(join(dir, 'small.txt'), 'hello\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startHttp(limits: HttpServerOptions['limits']) {
  const server = new HttpServer({ address: '127.0.0.1', port: 0, source: new DirSource(dir), limits });
  const warnings: string[] = [];
  server.events.on('warning', (w) => warnings.push(w.message));
  await server.start();
  cleanups.push(() => server.stop());
  return { server, warnings };
}

interface Raw {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
}

/** A raw TCP client that keeps its side open (half-open) however the server ends, like a hostile peer. */
function raw(port: number, from = '127.0.0.1'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    cleanups.push(() => void socket.destroy());
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks).toString('latin1'), closed }));
    socket.once('error', reject);
  });
}

/** Waits until the server has answered something and ended its side. */
function answered(r: Raw): Promise<string> {
  return new Promise((resolve) => {
    if (r.socket.readableEnded) resolve(r.received());
    r.socket.once('end', () => resolve(r.received()));
  });
}

describe('HTTP connection limits', () => {
  it('refuses connections beyond the per-address cap with 503, warns once, and admits again when one closes', async () => {
    const { server, warnings } = await startHttp({ httpMaxConnectionsPerAddress: 3 });
    const held = [await raw(server.port), await raw(server.port), await raw(server.port)];
    await until(() => server.stats().connections === 3);
    for (let i = 0; i < 3; i++) {
      const over = await raw(server.port);
      expect(await answered(over)).toMatch(/^HTTP\/1\.1 503 /);
    }
    expect(server.stats()).toMatchObject({ connections: 3, refusedConnections: 3 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/127\.0\.0\.1 already has 3 HTTP connections open.*httpMaxConnectionsPerAddress/);
    held[0]!.socket.destroy();
    await until(() => server.stats().connections === 2);
    const again = await raw(server.port);
    again.socket.write('GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await answered(again)).toMatch(/^HTTP\/1\.1 200 [\s\S]*hello\n$/);
  });

  it('refuses connections beyond the global cap whatever address they come from', async () => {
    const { server } = await startHttp({ httpMaxConnections: 2 });
    await raw(server.port, '127.0.0.1');
    await raw(server.port, '127.0.0.2');
    await until(() => server.stats().connections === 2);
    expect(await answered(await raw(server.port, '127.0.0.3'))).toMatch(/^HTTP\/1\.1 503 /);
  });

  it('answers 408 to a client that never finishes its headers and releases the connection', async () => {
    const { server } = await startHttp({ httpHeadersTimeoutMs: 200 });
    const slow = await raw(server.port);
    slow.socket.write('GET /small.txt HTTP/1.1\r\nHost: x\r\n');
    expect(await answered(slow)).toMatch(/^HTTP\/1\.1 408 /);
    await until(() => server.stats().connections === 0);
  });

  it('closes its side of a connection after a 400, even when the client keeps its own open', async () => {
    const { server } = await startHttp({});
    const peers = await Promise.all(Array.from({ length: 20 }, () => raw(server.port)));
    for (const p of peers) p.socket.write('NOT HTTP AT ALL\r\n\r\n');
    for (const p of peers) expect(await answered(p)).toMatch(/^HTTP\/1\.1 400 /);
    await until(() => server.stats().connections === 0);
  });

  it('cuts a response the client stopped reading once nothing moved for the stall timeout', async () => {
    const { server } = await startHttp({ sendStallTimeoutMs: 300 });
    const done = new Promise<HttpRequestDone>((resolve) => server.events.on('request.done', resolve));
    const reader = await raw(server.port);
    reader.socket.pause();
    reader.socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    const d = await done;
    expect(d.outcome).toBe('aborted');
    expect(d.bytes).toBeLessThan(48 * 1024 * 1024);
    await until(() => server.stats().connections === 0);
  });
});

describe('NBD connection limits', () => {
  const SIZE = 256 * 1024 * 1024;
  const zeros = new Uint8Array(1024 * 1024);

  async function startNbd(limits: NbdServerOptions['limits']) {
    const server = new NbdServer({
      address: '127.0.0.1',
      port: 0,
      limits,
      exports: staticExports([{ name: 'img', open: async () => ({ size: SIZE, read: async (_o: number, length: number) => zeros.subarray(0, length) }) }]),
    });
    const warnings: string[] = [];
    server.events.on('warning', (w) => warnings.push(w.message));
    await server.start();
    cleanups.push(() => server.stop());
    return { server, warnings };
  }

  it('closes connections beyond the per-address cap before the handshake and warns', async () => {
    const { server, warnings } = await startNbd({ nbdMaxConnectionsPerAddress: 2 });
    const a = await RawNbdClient.attached(server.port, 'img');
    const b = await RawNbdClient.attached(server.port, 'img');
    cleanups.push(() => a.client.destroy(), () => b.client.destroy());
    const over = await RawNbdClient.connect(server.port);
    await over.closed();
    expect(server.stats()).toMatchObject({ connections: 2, refused: 1 });
    expect(warnings[0]).toMatch(/nbdMaxConnectionsPerAddress/);
  });

  it('holds at most the server-wide budget of unread replies, and frees it when stalled clients are cut', async () => {
    const budget = 8 * 1024 * 1024;
    const { server } = await startNbd({ nbdMaxInflightBytes: budget, sendStallTimeoutMs: 400 });
    const clients: RawNbdClient[] = [];
    for (let i = 0; i < 6; i++) {
      const { client } = await RawNbdClient.attached(server.port, 'img');
      clients.push(client);
      cleanups.push(() => client.destroy());
      // 32 MiB asked for, none of it read: far more than the kernel's socket buffers take.
      for (let r = 0; r < 64; r++) client.request({ type: NbdCmd.READ, cookie: BigInt(r), offset: BigInt(r * 512 * 1024), length: 512 * 1024 });
    }
    let peak = 0;
    await until(() => {
      peak = Math.max(peak, server.stats().inflightBytes);
      return server.stats().stalled === 6;
    }, 20_000);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(budget);
    await until(() => server.stats().connections === 0 && server.stats().inflightBytes === 0);
  });
});
