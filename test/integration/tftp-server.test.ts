import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { encodeTftpPacket, type TftpOption } from '../../src-main/protocol/tftp/tftp-packet.ts';
import type { FileSource } from '../../src-main/servers/file-source.ts';
import type { TftpServerEvents, TftpTransferDone } from '../../src-main/servers/tftp/tftp-events.ts';
import { TftpServer, type TftpServerOptions } from '../../src-main/servers/tftp/tftp-server.ts';
import { DirSource } from '../support/dir-source.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { TftpRawClient } from '../support/tftp-raw-client.ts';
import { until } from '../support/until.ts';
import { fakeClock } from '../support/manual-timers.ts';

let dir: string;
const pattern = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed + (i >> 8)) & 0xff);
const files: Record<string, Uint8Array> = {
  'small.bin': pattern(1300), // 2 full 512-byte blocks + 276
  'exact.bin': pattern(1024), // exactly 2 blocks: needs a final empty block
  'empty.bin': new Uint8Array(0),
  'window.bin': pattern(100 * 64 + 10),
  'rollover.bin': pattern(65536 * 8 + 5), // blksize 8 → 65537 blocks: wire numbers wrap to 0
  'text.txt': Uint8Array.from('one\ntwo\r\n', (c) => c.charCodeAt(0)),
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootcast-tftp-'));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  writeFileSync(join(dir, 'sub'), ''); // a file, used only as a name
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: TftpServer[] = [];
const clients: TftpRawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop();
});

async function startServer(options: Partial<TftpServerOptions> = {}) {
  const server = new TftpServer({ address: '127.0.0.1', port: 0, source: new DirSource(dir), timeoutMs: 10_000, ...options });
  const log: Array<{ [K in keyof TftpServerEvents]: [K, TftpServerEvents[K]] }[keyof TftpServerEvents]> = [];
  for (const name of ['transfer.start', 'transfer.done', 'transfer.error', 'malformed'] as const) {
    server.events.on(name, (payload) => log.push([name, payload] as never));
  }
  await server.start();
  servers.push(server);
  const done = () =>
    new Promise<TftpTransferDone>((resolve) => {
      const d = server.events.on('transfer.done', (p) => {
        d.dispose();
        resolve(p);
      });
    });
  return { server, log, done };
}

async function client() {
  const c = await TftpRawClient.open();
  clients.push(c);
  return c;
}


const rrq = (filename: string, options: TftpOption[] = [], mode = 'octet') => ({ op: 'RRQ' as const, filename, mode, options });

/** Lock-step download acknowledging every block; returns the bytes and the DATA block numbers seen. */
async function download(c: TftpRawClient, serverPort: number, filename: string, options: TftpOption[] = [], blksize = 512, ackTwice = false) {
  c.send(rrq(filename, options), serverPort);
  const chunks: Uint8Array[] = [];
  const blocks: number[] = [];
  let first = await c.expect();
  const tid = first.port;
  if (first.packet.op === 'OACK') {
    c.send({ op: 'ACK', block: 0 }, tid);
    first = await c.expect();
  }
  let expected = 1;
  for (let p = first; ; p = await c.expect()) {
    if (p.packet.op !== 'DATA') throw new Error(`expected DATA, got ${JSON.stringify(p.packet)}`);
    // A retransmission (the server timed out under load) repeats a block already taken.
    if (p.packet.block !== expected) continue;
    expected = (expected + 1) & 0xffff;
    blocks.push(p.packet.block);
    chunks.push(Uint8Array.from(p.packet.data));
    c.send({ op: 'ACK', block: p.packet.block }, tid);
    if (ackTwice) c.send({ op: 'ACK', block: p.packet.block }, tid);
    if (p.packet.data.byteLength < blksize) break;
  }
  return { data: Buffer.concat(chunks), blocks, tid };
}

describe('TftpServer', () => {
  it('serves a plain RFC 1350 read in 512-byte lock-step blocks numbered from 1, ending with a short block', async () => {
    const { server, done } = await startServer();
    const finished = done();
    const result = await download(await client(), server.port, 'small.bin');
    expect(result.blocks).toEqual([1, 2, 3]);
    expect(result.data).toEqual(Buffer.from(files['small.bin']!));
    expect(await finished).toMatchObject({ outcome: 'complete', bytes: 1300, path: '/small.bin', retransmits: 0 });
  });

  it('ends a file whose size is a multiple of blksize with an empty block, and serves an empty file as one empty block', async () => {
    const { server } = await startServer();
    const exact = await download(await client(), server.port, 'exact.bin');
    expect(exact.blocks).toEqual([1, 2, 3]);
    expect(exact.data.byteLength).toBe(1024);
    const empty = await download(await client(), server.port, 'empty.bin');
    expect(empty.blocks).toEqual([1]);
    expect(empty.data.byteLength).toBe(0);
  });

  it('answers options with an OACK, waits for ACK 0 and uses the negotiated blksize', async () => {
    const { server, log } = await startServer();
    const c = await client();
    c.send(rrq('small.bin', [{ name: 'blksize', value: '1000' }, { name: 'tsize', value: '0' }, { name: 'foo', value: 'bar' }]), server.port);
    const oack = await c.expect();
    expect(oack.packet).toEqual({ op: 'OACK', options: [{ name: 'blksize', value: '1000' }, { name: 'tsize', value: '1300' }] });
    expect(oack.port).not.toBe(server.port); // a fresh TID per transfer
    c.send({ op: 'ACK', block: 0 }, oack.port);
    const d1 = await c.expect();
    expect(d1.packet).toMatchObject({ op: 'DATA', block: 1 });
    expect(d1.packet.op === 'DATA' && d1.packet.data.byteLength).toBe(1000);
    const start = log.find(([name]) => name === 'transfer.start')?.[1];
    expect(start).toMatchObject({ path: '/small.bin', size: 1300, options: { blksize: 1000, windowsize: 1, tsize: 1300, oack: true } });
  });

  it('never multiplies DATA when every ACK arrives twice (sorcerer\'s apprentice, RFC 1123 4.2.3.1)', async () => {
    const { server, done } = await startServer();
    const finished = done();
    const c = await client();
    const result = await download(c, server.port, 'window.bin', [], 512, true);
    expect(result.data).toEqual(Buffer.from(files['window.bin']!));
    // One DATA per block: 13 blocks for 6410 bytes, no duplicates, no retransmissions.
    expect(result.blocks).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect((await finished).retransmits).toBe(0);
    expect(await c.next(100)).toBeUndefined();
  });

  it('wraps block numbers from 65535 to 0 on a transfer of more than 65535 blocks', async () => {
    const { server, done } = await startServer();
    const finished = done();
    // A bare socket handler instead of the promise-per-packet client: 65,537 packets in one process.
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind({ address: '127.0.0.1', port: 0 }, r));
    const blocks: number[] = [];
    const chunks: Buffer[] = [];
    const ack = (block: number, port: number) => socket.send(encodeTftpPacket({ op: 'ACK', block }), port, '127.0.0.1');
    const complete = new Promise<void>((resolve) => {
      socket.on('message', (msg, rinfo) => {
        const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
        const op = view.getUint16(0);
        if (op === 6) return ack(0, rinfo.port); // OACK
        if (op !== 3) return;
        const block = view.getUint16(2);
        if (block !== ((blocks.length + 1) & 0xffff)) return; // a timeout retransmission under load
        blocks.push(block);
        chunks.push(Buffer.from(msg.subarray(4)));
        const last = msg.byteLength - 4 < 8;
        // Windowed (RFC 7440): one ACK per 64 blocks keeps the test to ~1,000 round trips.
        if (last || blocks.length % 64 === 0) ack(block, rinfo.port);
        if (last) resolve();
      });
    });
    socket.send(encodeTftpPacket(rrq('rollover.bin', [{ name: 'blksize', value: '8' }, { name: 'windowsize', value: '64' }])), server.port, '127.0.0.1');
    await complete;
    socket.close();
    expect(blocks.length).toBe(65537);
    expect(blocks.slice(65533, 65537)).toEqual([65534, 65535, 0, 1]);
    // Buffer.equals, not toEqual: a deep compare of half a megabyte element by element takes seconds.
    expect(Buffer.concat(chunks).equals(Buffer.from(files['rollover.bin']!))).toBe(true);
    expect(await finished).toMatchObject({ outcome: 'complete', bytes: 65536 * 8 + 5 });
  });

  it('sends a window of blocks per ACK and resends from the block after a partial ACK (RFC 7440)', async () => {
    const { server } = await startServer();
    const c = await client();
    c.send(rrq('window.bin', [{ name: 'windowsize', value: '4' }, { name: 'blksize', value: '64' }]), server.port);
    const oack = await c.expect();
    expect(oack.packet).toEqual({ op: 'OACK', options: [{ name: 'windowsize', value: '4' }, { name: 'blksize', value: '64' }] });
    c.send({ op: 'ACK', block: 0 }, oack.port);
    const blocks = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = await c.expect();
        if (p.packet.op === 'DATA') out.push(p.packet.block);
      }
      return out;
    };
    expect(await blocks(4)).toEqual([1, 2, 3, 4]);
    // Client saw 1 and 2, lost 3: it acknowledges 2. The window restarts at 3.
    c.send({ op: 'ACK', block: 2 }, oack.port);
    expect(await blocks(4)).toEqual([3, 4, 5, 6]);
    // The same ACK again acknowledges nothing new: no DATA may follow it.
    c.send({ op: 'ACK', block: 2 }, oack.port);
    expect(await c.next(150)).toBeUndefined();
    c.send({ op: 'ACK', block: 6 }, oack.port);
    expect(await blocks(4)).toEqual([7, 8, 9, 10]);
  });

  it('serves a client that aborts with ERROR 8 after the OACK to learn tsize and then asks again', async () => {
    const { server, log } = await startServer();
    const probe = await client();
    const doneEvents: TftpTransferDone[] = [];
    server.events.on('transfer.done', (p) => doneEvents.push(p));
    probe.send(rrq('small.bin', [{ name: 'tsize', value: '0' }]), server.port);
    const oack = await probe.expect();
    expect(oack.packet).toEqual({ op: 'OACK', options: [{ name: 'tsize', value: '1300' }] });
    probe.send({ op: 'ERROR', code: 8, message: 'tsize only' }, oack.port);
    // The real request: same client port as PXE ROMs often use, different options.
    const real = await download(probe, server.port, 'small.bin', [{ name: 'tsize', value: '0' }, { name: 'blksize', value: '1400' }], 1400);
    expect(real.data).toEqual(Buffer.from(files['small.bin']!));
    await until(() => doneEvents.length === 2);
    expect(doneEvents.map((d) => d.outcome)).toEqual(['options-probe', 'complete']);
    expect(log.filter(([name]) => name === 'transfer.error')).toEqual([]);
  });

  it('serves a client that goes silent after the OACK and asks again from a new port, then gives up the first transfer after bounded retries', async () => {
    const clock = fakeClock();
    const { server } = await startServer({ clock, timeoutMs: 1000, maxRetries: 3, retriesBeforeFirstAck: 3 });
    const doneEvents: TftpTransferDone[] = [];
    server.events.on('transfer.done', (p) => doneEvents.push(p));
    const probe = await client();
    probe.send(rrq('small.bin', [{ name: 'tsize', value: '0' }]), server.port);
    expect((await probe.expect()).packet.op).toBe('OACK');
    const real = await download(await client(), server.port, 'small.bin', [{ name: 'tsize', value: '0' }]);
    expect(real.data).toEqual(Buffer.from(files['small.bin']!));
    await until(() => doneEvents.length === 1);
    // Each advance fires exactly the one pending timer, whatever its backed-off length.
    for (let i = 0; i < 4; i++) clock.advance(60_000);
    await until(() => doneEvents.length === 2);
    expect(doneEvents.map((d) => d.outcome)).toEqual(['complete', 'abandoned']);
    expect(doneEvents[1]!.retransmits).toBe(3);
    // The silent client got the OACK once plus exactly maxRetries retransmissions, then an ERROR.
    const received: string[] = [];
    for (let p = await probe.next(100); p; p = await probe.next(100)) received.push(p.packet.op);
    expect(received).toEqual(['OACK', 'OACK', 'OACK', 'ERROR']);
  });

  it('retransmits an unacknowledged DATA block exactly maxRetries times, then stops with an ERROR', async () => {
    const clock = fakeClock();
    const { server, done } = await startServer({ clock, timeoutMs: 1000, maxRetries: 4, retriesBeforeFirstAck: 4 });
    const finished = done();
    const c = await client();
    c.send(rrq('small.bin'), server.port);
    expect((await c.expect()).packet).toMatchObject({ op: 'DATA', block: 1 });
    for (let i = 0; i < 5; i++) clock.advance(60_000);
    const outcome = await finished;
    expect(outcome).toMatchObject({ outcome: 'abandoned', retransmits: 4, bytes: 0 });
    const received: string[] = [];
    for (let p = await c.next(100); p; p = await c.next(100)) received.push(p.packet.op === 'DATA' ? `DATA ${p.packet.block}` : p.packet.op);
    expect(received).toEqual(['DATA 1', 'DATA 1', 'DATA 1', 'DATA 1', 'ERROR']);
  });

  it('answers a retransmitted identical RRQ from the running transfer, never from a second one', async () => {
    const clock = fakeClock();
    const { server } = await startServer({ clock });
    const c = await client();
    c.send(rrq('small.bin', [{ name: 'tsize', value: '0' }]), server.port);
    c.send(rrq('small.bin', [{ name: 'tsize', value: '0' }]), server.port);
    const a = await c.expect();
    expect(a.packet.op).toBe('OACK');
    // No second OACK for the copy (a duplicated request must not duplicate the answer) …
    expect(await c.next(100)).toBeUndefined();
    expect(server.stats()).toMatchObject({ started: 1, duplicateRequests: 1 });
    // … the retransmission timer answers again if the client really lost the first one.
    clock.advance(60_000);
    const b = await c.expect();
    expect(b.packet.op).toBe('OACK');
    expect(b.port).toBe(a.port);
  });

  it.each([
    ['a write request', { op: 'WRQ' as const, filename: 'x.bin', mode: 'octet', options: [] }, 2],
    ['a dot-dot path', rrq('../etc/passwd'), 2],
    ['a backslash dot-dot path', rrq('boot\\..\\..\\etc\\passwd'), 2],
    ['a Windows drive path', rrq('C:\\boot.ini'), 2],
    ['a missing file', rrq('nope.bin'), 1],
    ['a directory', rrq('sub/'), 1],
    ['mail mode', rrq('small.bin', [], 'mail'), 4],
  ])('refuses %s with an ERROR packet from a fresh port', async (_name, packet, code) => {
    const { server, log } = await startServer();
    const c = await client();
    c.send(packet, server.port);
    const reply = await c.expect();
    expect(reply.packet).toMatchObject({ op: 'ERROR', code });
    expect(reply.port).not.toBe(server.port);
    expect(log.map(([name]) => name)).toEqual(['transfer.error']);
    expect(server.stats()).toMatchObject({ refused: 1, started: 0 });
  });

  it('counts and reports malformed packets without answering them, and keeps serving', async () => {
    const { server, log } = await startServer();
    const c = await client();
    c.sendRaw(Uint8Array.from([0, 1, 0x66]), server.port); // unterminated filename
    c.sendRaw(Uint8Array.from([0, 9, 0, 0]), server.port); // unknown opcode
    c.send({ op: 'ACK', block: 1 }, server.port); // stray ACK on the request port
    const result = await download(c, server.port, 'small.bin');
    expect(result.data.byteLength).toBe(1300);
    expect(server.stats().malformed).toBe(3);
    expect(log.filter(([name]) => name === 'malformed').length).toBe(3);
  });

  it('survives thousands of mutated packets on the request port and on a transfer port, then still serves', async () => {
    const { server } = await startServer();
    const c = await client();
    c.send(rrq('window.bin'), server.port);
    const d1 = await c.expect();
    const fuzzer = await client();
    const random = seededRandom(12345);
    const seeds = [
      encodeTftpPacket(rrq('small.bin', [{ name: 'blksize', value: '1024' }, { name: 'windowsize', value: '4' }])),
      encodeTftpPacket({ op: 'ACK', block: 1 }),
      encodeTftpPacket({ op: 'ERROR', code: 8, message: 'x' }),
    ];
    for (let i = 0; i < 3000; i++) {
      const packet = Uint8Array.from(seeds[i % seeds.length]!);
      for (let e = 0; e < 3; e++) packet[Math.floor(random() * packet.length)] = Math.floor(random() * 256);
      const cut = packet.subarray(0, Math.max(1, Math.floor(random() * (packet.length + 1))));
      // The stranger's packets must not disturb the transfer the real client owns.
      fuzzer.sendRaw(cut, i % 2 === 0 ? server.port : d1.port);
      // Let the server drain its sockets: an overflowing receive buffer would drop the real client's ACK too.
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 2));
    }
    c.send({ op: 'ACK', block: 1 }, d1.port);
    let next = await c.expect();
    while (next.packet.op === 'DATA' && next.packet.data.byteLength === 512) {
      c.send({ op: 'ACK', block: next.packet.block }, d1.port);
      next = await c.expect();
    }
    expect(next.packet).toMatchObject({ op: 'DATA', block: 13 });
    const after = await download(await client(), server.port, 'small.bin');
    expect(after.data.byteLength).toBe(1300);
    expect(server.stats().malformed).toBeGreaterThan(0);
  });

  it('discards packets from a stranger to a transfer port without disturbing the transfer', async () => {
    const { server } = await startServer();
    const c = await client();
    const stranger = await client();
    c.send(rrq('small.bin'), server.port);
    const d1 = await c.expect();
    stranger.send({ op: 'ACK', block: 1 }, d1.port);
    stranger.send({ op: 'ERROR', code: 0, message: 'go away' }, d1.port);
    expect(await stranger.next(100)).toBeUndefined();
    c.send({ op: 'ACK', block: 1 }, d1.port);
    expect((await c.expect()).packet).toMatchObject({ op: 'DATA', block: 2 });
    expect(server.stats()).toMatchObject({ active: 1, failed: 0 });
  });

  it('ends a transfer at once as abandoned when the client closes its port (ICMP port unreachable)', async () => {
    const clock = fakeClock();
    const { server, done } = await startServer({ clock, maxRetries: 5 });
    const finished = done();
    const c = await client();
    c.send(rrq('small.bin'), server.port);
    await c.expect();
    c.close();
    clients.splice(clients.indexOf(c), 1);
    // One retransmission to the closed port draws the ICMP error; no further timer is needed.
    clock.advance(60_000);
    expect(await finished).toMatchObject({ outcome: 'abandoned', retransmits: 1, detail: expect.stringMatching(/closed its port/) });
  });

  it('converts line ends in netascii mode and leaves tsize unanswered because the wire size differs', async () => {
    const { server } = await startServer();
    const c = await client();
    c.send(rrq('text.txt', [{ name: 'tsize', value: '0' }], 'NETASCII'), server.port);
    const d1 = await c.expect();
    expect(d1.packet.op).toBe('DATA');
    if (d1.packet.op === 'DATA') expect(Buffer.from(d1.packet.data).toString('latin1')).toBe('one\r\ntwo\r\u0000\r\n');
  });

  it('ends a transfer with ERROR and outcome failed when the source stream breaks', async () => {
    const broken: FileSource = {
      async resolve() {
        return { size: 5000, createReadStream: () => Readable.from((async function* () { yield Buffer.alloc(600); throw new Error('disk gone'); })()) };
      },
    };
    const { server, done, log } = await startServer({ source: broken });
    const finished = done();
    const c = await client();
    c.send(rrq('x'), server.port);
    const d1 = await c.expect();
    c.send({ op: 'ACK', block: 1 }, d1.port);
    expect((await c.expect()).packet).toMatchObject({ op: 'ERROR', code: 0 });
    expect(await finished).toMatchObject({ outcome: 'failed' });
    expect(log.some(([name, p]) => name === 'transfer.error' && 'stage' in p && p.stage === 'transfer' && /disk gone/.test(p.message))).toBe(true);
  });

  it('ends running transfers with outcome stopped when the server stops', async () => {
    const { server, done } = await startServer();
    const finished = done();
    const c = await client();
    c.send(rrq('small.bin'), server.port);
    await c.expect();
    await server.stop();
    expect(await finished).toMatchObject({ outcome: 'stopped' });
    expect(server.stats().active).toBe(0);
  });

  it('passes the sanitised path and the client address to the source', async () => {
    const source = new DirSource(dir);
    const { server } = await startServer({ source });
    await download(await client(), server.port, 'boot\\..\\small.bin').catch(() => undefined);
    await download(await client(), server.port, '\\small.bin');
    expect(source.calls).toEqual([{ path: '/small.bin', ctx: { protocol: 'tftp', remoteAddress: '127.0.0.1' } }]);
  });

  it('retransmits when the injected clock says the timeout has passed, doubling the timeout each time up to 8x', async () => {
    const clock = fakeClock();
    const { server } = await startServer({ clock, timeoutMs: 1000, maxRetries: 5, retriesBeforeFirstAck: 5 });
    const c = await client();
    c.send(rrq('small.bin'), server.port);
    expect((await c.expect()).packet).toMatchObject({ op: 'DATA', block: 1 });
    for (const wait of [1000, 2000, 4000, 8000, 8000]) {
      clock.advance(wait - 1);
      expect(await c.next(60)).toBeUndefined();
      clock.advance(1);
      expect((await c.expect()).packet).toMatchObject({ op: 'DATA', block: 1 });
    }
    clock.advance(8000);
    expect((await c.expect()).packet).toMatchObject({ op: 'ERROR' });
    expect(server.stats()).toMatchObject({ failed: 1, retransmits: 5 });
  });

  it('returns to the base timeout once the client makes progress again', async () => {
    const clock = fakeClock();
    const { server } = await startServer({ clock, timeoutMs: 1000, maxRetries: 5, retriesBeforeFirstAck: 5 });
    const c = await client();
    c.send(rrq('small.bin'), server.port);
    const d1 = await c.expect();
    clock.advance(1000);
    clock.advance(2000);
    await c.expect();
    await c.expect();
    c.send({ op: 'ACK', block: 1 }, d1.port);
    expect((await c.expect()).packet).toMatchObject({ op: 'DATA', block: 2 });
    clock.advance(999);
    expect(await c.next(60)).toBeUndefined();
    clock.advance(1);
    expect((await c.expect()).packet).toMatchObject({ op: 'DATA', block: 2 });
  });

  it('rate-limits transfer.progress by the injected clock', async () => {
    let now = 0;
    const clock = { now: () => (now += 10), setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
    const { server } = await startServer({ clock, progressIntervalMs: 100 });
    const progress: number[] = [];
    server.events.on('transfer.progress', (p) => progress.push(p.bytes));
    await download(await client(), server.port, 'window.bin');
    // 13 ACKs, the clock moving 10 ms per reading: far fewer events than ACKs, growing bytes.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThan(13);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('reports a port already in use as a BindError telling the user what to do', async () => {
    const { server } = await startServer();
    const second = new TftpServer({ address: '127.0.0.1', port: server.port, source: new DirSource(dir) });
    await expect(second.start()).rejects.toThrow(/already in use/);
  });
});
