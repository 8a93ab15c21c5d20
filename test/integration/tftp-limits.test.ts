import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FileSource, ServedFile } from '../../src-main/servers/file-source.ts';
import { TftpServer, type TftpServerOptions } from '../../src-main/servers/tftp/tftp-server.ts';
import type { TftpTransferDone, TftpTransferStart } from '../../src-main/servers/tftp/tftp-events.ts';
import { DirSource } from '../support/dir-source.ts';
import { TftpRawClient } from '../support/tftp-raw-client.ts';
import { until } from '../support/until.ts';
import { fakeClock } from '../support/manual-timers.ts';

let dir: string;
const BIG = 4 * 1024 * 1024;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootcast-tftp-limits-'));
  writeFileSync(join(dir, 'big.bin'), Buffer.alloc(BIG, 0x5a));
  writeFileSync(join(dir, 'small.bin'), Buffer.alloc(1300, 0x11));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: TftpServer[] = [];
const clients: TftpRawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});

async function startServer(options: Partial<TftpServerOptions> = {}) {
  const server = new TftpServer({ address: '127.0.0.1', port: 0, source: new DirSource(dir), ...options });
  await server.start();
  servers.push(server);
  return server;
}

async function client(): Promise<TftpRawClient> {
  const c = await TftpRawClient.open();
  clients.push(c);
  return c;
}


/** A source that counts the bytes its streams actually read from disk. */
class CountingSource implements FileSource {
  bytesRead = 0;
  opened = 0;
  private readonly inner = new DirSource(dir);
  async resolve(path: string, ctx: Parameters<FileSource['resolve']>[1]): Promise<ServedFile | null> {
    const file = await this.inner.resolve(path, ctx);
    if (!file) return null;
    return {
      ...file,
      createReadStream: (start, end, options) => {
        this.opened++;
        const stream = file.createReadStream(start, end, options);
        stream.on('data', (chunk: Buffer) => (this.bytesRead += chunk.byteLength));
        return stream;
      },
    };
  }
}

const rrq = (filename: string, options: { name: string; value: string }[] = []) => ({ op: 'RRQ' as const, filename, mode: 'octet', options });

describe('TftpServer under a hostile client', () => {
  it('retransmits the first block at most twice to a client that never acknowledges, then drops it', async () => {
    const clock = fakeClock();
    const server = await startServer({ clock, timeoutMs: 1000 });
    const done = new Promise<TftpTransferDone>((resolve) => server.events.on('transfer.done', resolve));
    const c = await client();
    c.send(rrq('big.bin'), server.port);
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 5));
      clock.advance(60_000);
    }
    expect(await done).toMatchObject({ outcome: 'abandoned', retransmits: 2 });
    const data: number[] = [];
    for (let p = await c.next(100); p; p = await c.next(100)) if (p.packet.op === 'DATA') data.push(p.packet.data.byteLength);
    // 512 bytes asked for by a ~15-byte request: three copies at most, never 66 times the request.
    expect(data).toEqual([512, 512, 512]);
  });

  it('does not acknowledge a client-chosen timeout above the limit and keeps its own', async () => {
    const server = await startServer({ timeoutMs: 1000 });
    const started = new Promise<TftpTransferStart>((resolve) => server.events.on('transfer.start', resolve));
    const c = await client();
    c.send(rrq('small.bin', [{ name: 'timeout', value: '255' }, { name: 'tsize', value: '0' }]), server.port);
    const oack = await c.expect();
    expect(oack.packet).toMatchObject({ op: 'OACK', options: [{ name: 'tsize', value: '1300' }] });
    expect((await started).options.timeoutMs).toBe(1000);
    c.send({ op: 'ERROR', code: 8, message: 'probe' }, oack.port);
  });

  it('refuses transfers beyond the per-address cap with ERROR 0 and one warning', async () => {
    const server = await startServer({ maxTransfersPerAddress: 2, timeoutMs: 60_000 });
    const warnings: string[] = [];
    server.events.on('warning', (w) => warnings.push(w.message));
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await client();
      c.send(rrq('big.bin', [{ name: 'blksize', value: '1024' }]), server.port);
      expect((await c.expect()).packet.op).toBe('OACK');
      ports.push(c.port);
    }
    for (let i = 0; i < 3; i++) {
      const c = await client();
      c.send(rrq('big.bin'), server.port);
      expect((await c.expect()).packet).toMatchObject({ op: 'ERROR', code: 0, message: 'Server busy, try again' });
    }
    expect(server.stats()).toMatchObject({ active: 2, overLimit: 3 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/127\.0\.0\.1 already has 2 TFTP transfers running.*tftpMaxTransfersPerAddress/);
  });

  it('refuses transfers beyond the global cap, whichever address asks', async () => {
    const server = await startServer({ maxTransfers: 3, maxTransfersPerAddress: 100, timeoutMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      const c = await client();
      c.send(rrq('big.bin', [{ name: 'tsize', value: '0' }]), server.port);
      expect((await c.expect()).packet.op).toBe('OACK');
    }
    const late = await client();
    late.send(rrq('small.bin'), server.port);
    expect((await late.expect()).packet).toMatchObject({ op: 'ERROR', code: 0 });
    expect(server.stats().active).toBe(3);
  });

  it('holds no file data for 200 requests nobody acknowledges, and little once they are served', async () => {
    const source = new CountingSource();
    const server = await startServer({ source, timeoutMs: 60_000, maxTransfers: 1000, maxTransfersPerAddress: 1000 });
    // 200 requests from 200 ports of one socket is not possible; 200 sockets is.
    const many: TftpRawClient[] = [];
    for (let i = 0; i < 200; i++) many.push(await client());
    for (const m of many) m.send(rrq('big.bin', [{ name: 'blksize', value: '1428' }, { name: 'tsize', value: '0' }]), server.port);
    await until(() => server.stats().active === 200);
    await Promise.all(many.map((m) => m.expect()));
    // Before the OACK is acknowledged nothing is read at all.
    expect(source.opened).toBe(0);
    // Requests without options start sending at once: each reads one small piece, not megabytes.
    const plain: TftpRawClient[] = [];
    for (let i = 0; i < 50; i++) plain.push(await client());
    for (const p of plain) p.send(rrq('big.bin'), server.port);
    await Promise.all(plain.map((p) => p.expect()));
    await new Promise((r) => setTimeout(r, 50));
    expect(source.opened).toBe(50);
    expect(source.bytesRead).toBeLessThanOrEqual(50 * 2 * 64 * 1024);
  });
});
