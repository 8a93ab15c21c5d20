import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_MAX_PAYLOAD,
  NBD_REQUEST_MAGIC,
  NbdCmd,
  NbdErrno,
  NbdInfo,
  NbdOpt,
  NbdRep,
  NbdTransmissionFlag,
  decodeExportNameReply,
  decodeServerEntry,
  encodeExportNameData,
  encodeInfoRequest,
  encodeOption,
} from '../../src-main/protocol/nbd/index.ts';
import { BindError } from '../../src-main/net/bind-error.ts';
import { NbdServer, fileExport, staticExports, type NbdDisconnectEvent, type NbdExport, type NbdMalformedEvent } from '../../src-main/servers/nbd/index.ts';
import { RawNbdClient } from '../support/nbd-raw-client.ts';
import { seededRandom } from '../support/seeded-random.ts';

const IMAGE = new Uint8Array(randomBytes(1 << 20));

/** An in-memory export whose reads can be held back, to observe ordering and the in-flight bounds. */
function gatedExport(data: Uint8Array, gate?: (offset: number) => Promise<void>) {
  const stats = { opened: 0, closed: 0, reads: [] as Array<{ offset: number; length: number }> };
  const open = async (): Promise<NbdExport> => {
    stats.opened++;
    return {
      size: data.byteLength,
      async read(offset, length) {
        stats.reads.push({ offset, length });
        await gate?.(offset);
        if (offset === 0xbad) throw new Error('simulated I/O error');
        return data.slice(offset, offset + length);
      },
      async close() {
        stats.closed++;
      },
    };
  };
  return { stats, open };
}

/** Resolves released gates in any order the test chooses. */
class Gates {
  private readonly waiting = new Map<number, () => void>();
  private readonly arrivals: Array<() => void> = [];
  wait = (key: number) =>
    new Promise<void>((resolve) => {
      this.waiting.set(key, resolve);
      this.arrivals.splice(0).forEach((f) => f());
    });
  release(key: number) {
    const r = this.waiting.get(key);
    if (!r) throw new Error(`nothing waits on ${key}`);
    this.waiting.delete(key);
    r();
  }
  get count() {
    return this.waiting.size;
  }
  async until(n: number) {
    while (this.waiting.size < n) await new Promise<void>((r) => this.arrivals.push(r));
  }
}

let server: NbdServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function startServer(opts: { open?: () => Promise<NbdExport>; maxInflightRequests?: number; maxInflightBytes?: number } = {}) {
  const exp = gatedExport(IMAGE);
  server = new NbdServer({
    address: '127.0.0.1',
    port: 0,
    exports: staticExports([
      { name: 'img', description: 'random test image', open: opts.open ?? exp.open },
      { name: 'other', open: exp.open },
    ]),
    maxInflightRequests: opts.maxInflightRequests,
    maxInflightBytes: opts.maxInflightBytes,
  });
  const disconnects: NbdDisconnectEvent[] = [];
  const malformed: NbdMalformedEvent[] = [];
  const unknown: string[] = [];
  server.events.on('disconnect', (e) => disconnects.push(e));
  server.events.on('malformed', (e) => malformed.push(e));
  server.events.on('unknown-export', (e) => unknown.push(e.export));
  await server.start();
  const nextDisconnect = () =>
    new Promise<NbdDisconnectEvent>((resolve) => {
      const d = server!.events.on('disconnect', (e) => {
        d.dispose();
        resolve(e);
      });
    });
  return { server, port: server.port, stats: exp.stats, disconnects, malformed, unknown, nextDisconnect };
}

/** Proves the server still serves after whatever a test did to it. */
async function expectServing(port: number) {
  const { client, size } = await RawNbdClient.attached(port, 'img');
  client.request({ type: NbdCmd.READ, cookie: 99n, offset: 4096n, length: 512 });
  const r = await client.reply(() => 512);
  expect(r.error).toBe(0);
  expect(r.data).toEqual(IMAGE.slice(4096, 4608));
  expect(size).toBe(IMAGE.byteLength);
  client.request({ type: NbdCmd.DISC });
  await client.closed();
}

describe('NBD handshake', () => {
  it('answers GO with the export size, read-only flags and the requested block sizes', async () => {
    const { port } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'img', requests: [NbdInfo.NAME, NbdInfo.DESCRIPTION, NbdInfo.BLOCK_SIZE] })));
    const replies = await client.optionReplies();
    expect(replies.map((r) => r.info)).toEqual([
      {
        type: 'export',
        size: IMAGE.byteLength,
        transmissionFlags: NbdTransmissionFlag.HAS_FLAGS | NbdTransmissionFlag.READ_ONLY | NbdTransmissionFlag.SEND_FLUSH | NbdTransmissionFlag.CAN_MULTI_CONN,
      },
      { type: 'name', name: 'img' },
      { type: 'description', description: 'random test image' },
      { type: 'block-size', minimum: 1, preferred: 4096, maximum: NBD_MAX_PAYLOAD },
      null,
    ]);
    expect(replies.at(-1)!.header).toEqual({ option: NbdOpt.GO, type: NbdRep.ACK, length: 0 });
    client.request({ type: NbdCmd.READ, cookie: 1n, offset: 0n, length: 4096 });
    expect((await client.reply(() => 4096)).data).toEqual(IMAGE.slice(0, 4096));
  });

  it('answers EXPORT_NAME with size, flags and the 124 zero bytes a client without NO_ZEROES expects', async () => {
    const { port } = await startServer();
    const client = await RawNbdClient.negotiating(port, NBD_FLAG_C_FIXED_NEWSTYLE);
    client.send(encodeOption(NbdOpt.EXPORT_NAME, encodeExportNameData('img')));
    const reply = decodeExportNameReply(await client.reader.read(10));
    expect(reply.size).toBe(IMAGE.byteLength);
    expect(reply.transmissionFlags & NbdTransmissionFlag.READ_ONLY).toBeTruthy();
    expect((await client.reader.read(124)).every((b) => b === 0)).toBe(true);
    client.request({ type: NbdCmd.READ, cookie: 5n, offset: 100n, length: 10 });
    const r = await client.reply(() => 10);
    expect(r.cookie).toBe(5n);
    expect(r.data).toEqual(IMAGE.slice(100, 110));
  });

  it('lists exports with their descriptions', async () => {
    const { port } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.LIST));
    const replies = await client.optionReplies();
    expect(replies.slice(0, -1).map((r) => decodeServerEntry(r.data))).toEqual([{ name: 'img', description: 'random test image' }, { name: 'other' }]);
    expect(replies.at(-1)!.header.type).toBe(NbdRep.ACK);
  });

  it('refuses LIST with ERR_POLICY when the provider does not list, and names no exports in errors', async () => {
    const exp = gatedExport(IMAGE);
    server = new NbdServer({ address: '127.0.0.1', port: 0, exports: { open: async (name) => (name === 'img' ? exp.open() : null) } });
    await server.start();
    const client = await RawNbdClient.negotiating(server.port);
    client.send(encodeOption(NbdOpt.LIST));
    expect((await client.optionReply()).header.type).toBe(NbdRep.ERR_POLICY);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'nope', requests: [] })));
    const refused = await client.optionReply();
    expect(refused.header.type).toBe(NbdRep.ERR_UNKNOWN);
    expect(Buffer.from(refused.data).toString()).toBe('no export named "nope"');
  });

  it('refuses LIST with data as invalid and keeps negotiating', async () => {
    const { port } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.LIST, new Uint8Array(3)));
    expect((await client.optionReply()).header.type).toBe(NbdRep.ERR_INVALID);
    client.send(encodeOption(NbdOpt.LIST));
    expect((await client.optionReplies()).length).toBe(3);
  });

  it('answers INFO without entering transmission, and closes the export it opened for it', async () => {
    const { port, stats } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.INFO, encodeInfoRequest({ name: 'img', requests: [] })));
    const replies = await client.optionReplies();
    expect(replies[0]!.info).toMatchObject({ type: 'export', size: IMAGE.byteLength });
    expect(replies.at(-1)!.header).toMatchObject({ option: NbdOpt.INFO, type: NbdRep.ACK });
    expect(stats).toMatchObject({ opened: 1, closed: 1 });
    // Still negotiating: ABORT is answered with ACK and the server hangs up.
    client.send(encodeOption(NbdOpt.ABORT));
    expect((await client.optionReply()).header).toMatchObject({ option: NbdOpt.ABORT, type: NbdRep.ACK });
    await client.closed();
  });

  it('answers GO for an unknown export with ERR_UNKNOWN naming the exports it has, then accepts a known one', async () => {
    const { port, unknown } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'nope', requests: [] })));
    const refused = await client.optionReply();
    expect(refused.header.type).toBe(NbdRep.ERR_UNKNOWN);
    expect(new TextDecoder().decode(refused.data)).toContain('img, other');
    expect(unknown).toEqual(['nope']);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'other', requests: [] })));
    expect((await client.optionReplies()).at(-1)!.header.type).toBe(NbdRep.ACK);
  });

  it('answers GO for an export whose image cannot be opened with ERR_UNKNOWN and the reason', async () => {
    const { port } = await startServer({ open: () => fileExport('/nonexistent/bootcast/image.iso') });
    const events: Array<{ export: string; error?: string }> = [];
    server!.events.on('unknown-export', (e) => events.push(e));
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'img', requests: [] })));
    const refused = await client.optionReply();
    expect(refused.header.type).toBe(NbdRep.ERR_UNKNOWN);
    expect(new TextDecoder().decode(refused.data)).toMatch(/export "img" could not be opened: ENOENT.*\/nonexistent\/bootcast\/image\.iso/);
    expect(events).toEqual([{ id: expect.any(Number), remoteAddress: '127.0.0.1', export: 'img', error: expect.stringMatching(/ENOENT/) }]);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'other', requests: [] })));
    expect((await client.optionReplies()).at(-1)!.header.type).toBe(NbdRep.ACK);
  });

  it('closes the connection on EXPORT_NAME of an unknown export, the only answer that option allows', async () => {
    const { port, unknown } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.EXPORT_NAME, encodeExportNameData('missing')));
    await client.closed();
    expect(unknown).toEqual(['missing']);
    await expectServing(port);
  });

  for (const [name, option] of [
    ['STARTTLS', NbdOpt.STARTTLS],
    ['STRUCTURED_REPLY', NbdOpt.STRUCTURED_REPLY],
    ['SET_META_CONTEXT', NbdOpt.SET_META_CONTEXT],
    ['an unknown option', 0x4242],
  ] as const) {
    it(`answers ${name} with ERR_UNSUP and keeps negotiating`, async () => {
      const { port } = await startServer();
      const client = await RawNbdClient.negotiating(port);
      client.send(encodeOption(option, new Uint8Array(option === NbdOpt.SET_META_CONTEXT ? 12 : 0)));
      expect((await client.optionReply()).header).toMatchObject({ option, type: NbdRep.ERR_UNSUP });
      client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'img', requests: [] })));
      expect((await client.optionReplies()).at(-1)!.header.type).toBe(NbdRep.ACK);
    });
  }

  it('answers a GO whose inner lengths do not add up with ERR_INVALID', async () => {
    const { port } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    const bad = encodeInfoRequest({ name: 'img', requests: [1, 2] }).subarray(0, 10);
    client.send(encodeOption(NbdOpt.GO, bad));
    const r = await client.optionReply();
    expect(r.header.type).toBe(NbdRep.ERR_INVALID);
    expect(new TextDecoder().decode(r.data)).toMatch(/expected 13 bytes, got 10/);
  });
});

describe('NBD bad input during the handshake', () => {
  it('closes a client that sends HTTP instead of NBD and keeps serving others', async () => {
    const { port, malformed } = await startServer();
    const client = await RawNbdClient.connect(port);
    client.send(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await client.closed();
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatchObject({ phase: 'handshake', remoteAddress: '127.0.0.1' });
    await expectServing(port);
  });

  it('closes a client that sets unknown client flags', async () => {
    const { port, malformed } = await startServer();
    await RawNbdClient.negotiating(port, 0x8000_0001).then((c) => c.closed());
    expect(malformed[0]!.message).toMatch(/unknown bits 0x80000000/);
    await expectServing(port);
  });

  it('answers an oversized option length with ERR_TOO_BIG and closes without reading the data', async () => {
    const { port, malformed } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    const header = encodeOption(NbdOpt.GO).slice();
    new DataView(header.buffer).setUint32(12, 0x7fff_ffff);
    client.send(header);
    const r = await client.optionReply();
    expect(r.header).toMatchObject({ option: NbdOpt.GO, type: NbdRep.ERR_TOO_BIG });
    expect(new TextDecoder().decode(r.data)).toMatch(/2147483647 bytes of data; the limit is \d+/);
    await client.closed();
    expect(malformed).toHaveLength(1);
    await expectServing(port);
  });

  it('survives a client that disconnects halfway through an option', async () => {
    const { port, malformed } = await startServer();
    const client = await RawNbdClient.negotiating(port);
    client.send(encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'img', requests: [] })).subarray(0, 20));
    client.destroy();
    await client.closed();
    await expectServing(port);
    expect(malformed).toHaveLength(0);
  });

  it('closes a client that never finishes the handshake once the timeout passes', async () => {
    const exp = gatedExport(IMAGE);
    server = new NbdServer({ address: '127.0.0.1', port: 0, exports: staticExports([{ name: 'img', open: exp.open }]), handshakeTimeoutMs: 200 });
    await server.start();
    const client = await RawNbdClient.connect(server.port);
    await client.closed();
  });

  it('keeps serving through thousands of mutated handshakes', async () => {
    const { port } = await startServer();
    // Seeded: the same byte streams every run.
    const rnd = seededRandom(0xbeef);
    const valid = [
      new Uint8Array([0, 0, 0, 3]),
      encodeOption(NbdOpt.LIST),
      encodeOption(NbdOpt.INFO, encodeInfoRequest({ name: 'img', requests: [3] })),
      encodeOption(NbdOpt.GO, encodeInfoRequest({ name: 'img', requests: [1, 3] })),
      new Uint8Array(28).map((_, i) => [0x25, 0x60, 0x95, 0x13][i] ?? 0),
    ];
    const stream = Uint8Array.from(valid.flatMap((v) => [...v]));
    expect(new DataView(stream.buffer).getUint32(stream.length - 28)).toBe(NBD_REQUEST_MAGIC);
    const cases = 2000;
    const batch = 50;
    for (let start = 0; start < cases; start += batch) {
      await Promise.all(
        Array.from({ length: batch }, async () => {
          const bytes = Uint8Array.from(stream);
          for (let e = 0; e < 1 + Math.floor(rnd() * 3); e++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
          const cut = rnd() < 0.3 ? Math.floor(rnd() * bytes.length) : bytes.length;
          await new Promise<void>((resolve) => {
            const s = connect({ host: '127.0.0.1', port }, () => {
              s.write(bytes.subarray(0, cut));
              s.end();
            });
            s.on('data', () => {});
            s.on('error', () => resolve());
            s.on('close', () => resolve());
          });
        }),
      );
    }
    await expectServing(port);
  });
});

describe('NBD transmission', () => {
  it('refuses WRITE with EPERM after consuming its payload, so the next request is read correctly', async () => {
    const { port } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    client.request({ type: NbdCmd.WRITE, cookie: 1n, offset: 0n, length: 100_000 });
    // A payload that looks like requests: if the server did not skip it, it would answer these.
    const payload = new Uint8Array(100_000);
    for (let i = 0; i + 28 <= payload.length; i += 28) new DataView(payload.buffer).setUint32(i, NBD_REQUEST_MAGIC);
    client.send(payload);
    client.request({ type: NbdCmd.READ, cookie: 2n, offset: 0n, length: 64 });
    expect(await client.reply()).toMatchObject({ error: NbdErrno.EPERM, cookie: 1n });
    const read = await client.reply(() => 64);
    expect(read).toMatchObject({ error: 0, cookie: 2n });
    expect(read.data).toEqual(IMAGE.slice(0, 64));
  });

  it('refuses TRIM and WRITE_ZEROES with EPERM and answers FLUSH with success', async () => {
    const { port } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    client.request({ type: NbdCmd.TRIM, cookie: 1n, length: 4096 });
    client.request({ type: NbdCmd.WRITE_ZEROES, cookie: 2n, length: 4096 });
    client.request({ type: NbdCmd.FLUSH, cookie: 3n });
    const replies = [await client.reply(), await client.reply(), await client.reply()].map((r) => [r.cookie, r.error]);
    expect(replies).toEqual([
      [1n, NbdErrno.EPERM],
      [2n, NbdErrno.EPERM],
      [3n, 0],
    ]);
  });

  it('refuses reads past the end, beyond 2^53, or larger than the advertised maximum with EINVAL', async () => {
    const { port, stats } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    const end = BigInt(IMAGE.byteLength);
    client.request({ type: NbdCmd.READ, cookie: 1n, offset: end - 10n, length: 11 });
    client.request({ type: NbdCmd.READ, cookie: 2n, offset: 1n << 63n, length: 1 });
    client.request({ type: NbdCmd.READ, cookie: 3n, offset: 0n, length: NBD_MAX_PAYLOAD + 1 });
    client.request({ type: NbdCmd.READ, cookie: 4n, offset: end - 10n, length: 10 });
    const got = new Map<bigint, number>();
    for (let i = 0; i < 4; i++) {
      const r = await client.reply((c) => (c === 4n ? 10 : 0));
      got.set(r.cookie, r.error);
    }
    expect(Object.fromEntries([...got].map(([k, v]) => [String(k), v]))).toEqual({ 1: NbdErrno.EINVAL, 2: NbdErrno.EINVAL, 3: NbdErrno.EINVAL, 4: 0 });
    expect(stats.reads).toEqual([{ offset: IMAGE.byteLength - 10, length: 10 }]);
  });

  it('answers commands it did not advertise with EINVAL', async () => {
    const { port } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    client.request({ type: NbdCmd.BLOCK_STATUS, cookie: 1n, length: 4096 });
    client.request({ type: 0x77, cookie: 2n });
    expect((await client.reply()).error).toBe(NbdErrno.EINVAL);
    expect((await client.reply()).error).toBe(NbdErrno.EINVAL);
  });

  it('answers a failing export read with EIO and keeps the connection', async () => {
    const { port } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    client.request({ type: NbdCmd.READ, cookie: 1n, offset: 0xbadn, length: 16 });
    expect(await client.reply()).toMatchObject({ error: NbdErrno.EIO, cookie: 1n });
    client.request({ type: NbdCmd.READ, cookie: 2n, offset: 0n, length: 16 });
    expect((await client.reply(() => 16)).data).toEqual(IMAGE.slice(0, 16));
  });

  it('serves a file export through pooled reply buffers, and answers EIO when the file shrinks under it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bootcast-nbd-pool-'));
    try {
      const path = join(dir, 'image.iso');
      await writeFile(path, IMAGE);
      const { port } = await startServer({ open: () => fileExport(path) });
      const { client } = await RawNbdClient.attached(port, 'img');
      // Many sizes and offsets in flight at once: pooled buffers of different classes, reused.
      const reqs = Array.from({ length: 60 }, (_, i) => ({ cookie: BigInt(i), offset: (i * 7919) % 500_000, length: 1 + ((i * 104_729) % 300_000) }));
      for (let round = 0; round < 2; round++) {
        for (const r of reqs) client.request({ type: NbdCmd.READ, cookie: r.cookie, offset: BigInt(r.offset), length: r.length });
        for (let i = 0; i < reqs.length; i++) {
          const reply = await client.reply((c) => reqs[Number(c)]!.length);
          const r = reqs[Number(reply.cookie)]!;
          expect(reply.error).toBe(0);
          expect(Buffer.compare(reply.data, IMAGE.subarray(r.offset, r.offset + r.length))).toBe(0);
        }
      }
      await truncate(path, 1000);
      client.request({ type: NbdCmd.READ, cookie: 1n, offset: 500n, length: 1000 });
      expect(await client.reply()).toMatchObject({ error: NbdErrno.EIO, cookie: 1n });
      client.request({ type: NbdCmd.READ, cookie: 2n, offset: 0n, length: 1000 });
      expect((await client.reply(() => 1000)).data).toEqual(IMAGE.slice(0, 1000));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends on DISC with counters, and closes the export once', async () => {
    const { port, stats, nextDisconnect } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    const ended = nextDisconnect();
    client.request({ type: NbdCmd.READ, cookie: 1n, offset: 0n, length: 1000 });
    client.request({ type: NbdCmd.READ, cookie: 2n, offset: 1000n, length: 24 });
    client.request({ type: NbdCmd.DISC, cookie: 3n });
    // Both READs are still answered before the server hangs up.
    const lengths = new Map([[1n, 1000], [2n, 24]]);
    const a = await client.reply((c) => lengths.get(c)!);
    const b = await client.reply((c) => lengths.get(c)!);
    expect([a.cookie, b.cookie].sort()).toEqual([1n, 2n]);
    await client.closed();
    expect(await ended).toMatchObject({ export: 'img', reason: 'disc', bytesRead: 1024, requests: 3, remoteAddress: '127.0.0.1' });
    expect(stats).toMatchObject({ opened: 1, closed: 1 });
  });

  it('closes the connection when a request has the wrong magic, reporting it as malformed', async () => {
    const { port, nextDisconnect, malformed } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    const ended = nextDisconnect();
    client.send(new Uint8Array(28).fill(0x41));
    await client.closed();
    expect(await ended).toMatchObject({ reason: 'malformed' });
    expect(malformed[0]).toMatchObject({ phase: 'transmission' });
    expect(malformed[0]!.message).toMatch(/magic is 0x41414141/);
    await expectServing(port);
  });

  it('reports a client that vanishes mid-request, closes its export, and keeps serving others', async () => {
    const { port, stats, nextDisconnect } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    const ended = nextDisconnect();
    client.request({ type: NbdCmd.READ, cookie: 1n, offset: 0n, length: 512 });
    await client.reply(() => 512);
    client.send(new Uint8Array([0x25, 0x60, 0x95, 0x13, 0, 0, 0, 0, 1, 2]));
    client.destroy();
    const e = await ended;
    expect(e).toMatchObject({ reason: 'vanished', bytesRead: 512 });
    expect(e.detail).toMatch(/10 bytes into a 28-byte message/);
    expect(stats.closed).toBe(stats.opened);
    await expectServing(port);
  });

  it('reports a client that vanishes in the middle of a WRITE payload', async () => {
    const { port, nextDisconnect } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    const ended = nextDisconnect();
    client.request({ type: NbdCmd.WRITE, cookie: 1n, offset: 0n, length: 4096 });
    client.send(new Uint8Array(1000));
    await new Promise((r) => setImmediate(r));
    client.destroy();
    expect(await ended).toMatchObject({ reason: 'vanished' });
    await expectServing(port);
  });

  it('answers pipelined reads as each completes, not in request order', async () => {
    const gates = new Gates();
    const exp = gatedExport(IMAGE, (offset) => (offset === 0 ? gates.wait(offset) : Promise.resolve()));
    const { port } = await startServer({ open: exp.open });
    const { client } = await RawNbdClient.attached(port, 'img');
    client.request({ type: NbdCmd.READ, cookie: 1n, offset: 0n, length: 4096 });
    client.request({ type: NbdCmd.READ, cookie: 2n, offset: 8192n, length: 4096 });
    await gates.until(1);
    const second = await client.reply(() => 4096);
    expect(second.cookie).toBe(2n);
    expect(second.data).toEqual(IMAGE.slice(8192, 12288));
    gates.release(0);
    const first = await client.reply(() => 4096);
    expect(first.cookie).toBe(1n);
    expect(first.data).toEqual(IMAGE.slice(0, 4096));
  });

  it('stops taking requests at maxInflightRequests and resumes as replies complete', async () => {
    const gates = new Gates();
    const exp = gatedExport(IMAGE, (offset) => gates.wait(offset));
    const { port } = await startServer({ open: exp.open, maxInflightRequests: 4 });
    const { client } = await RawNbdClient.attached(port, 'img');
    for (let i = 0; i < 10; i++) client.request({ type: NbdCmd.READ, cookie: BigInt(i), offset: BigInt(i * 4096), length: 4096 });
    await gates.until(4);
    // Give the server every chance to (wrongly) start a fifth read.
    await new Promise((r) => setTimeout(r, 200));
    expect(exp.stats.reads).toHaveLength(4);
    gates.release(0);
    expect((await client.reply(() => 4096)).cookie).toBe(0n);
    await gates.until(4);
    expect(exp.stats.reads).toHaveLength(5);
    for (let i = 1; i < 10; i++) {
      await gates.until(1);
      gates.release(i * 4096);
      expect((await client.reply(() => 4096)).cookie).toBe(BigInt(i));
    }
  });

  it('stops taking requests at maxInflightBytes, but still runs one request larger than the bound alone', async () => {
    const gates = new Gates();
    const exp = gatedExport(IMAGE, (offset) => gates.wait(offset));
    const { port } = await startServer({ open: exp.open, maxInflightBytes: 64 * 1024 });
    const { client } = await RawNbdClient.attached(port, 'img');
    const len = 32 * 1024;
    for (let i = 0; i < 3; i++) client.request({ type: NbdCmd.READ, cookie: BigInt(i), offset: BigInt(i * len), length: len });
    client.request({ type: NbdCmd.READ, cookie: 3n, offset: 0n, length: 128 * 1024 });
    await gates.until(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(exp.stats.reads.map((r) => r.offset)).toEqual([0, len]);
    gates.release(0);
    await client.reply(() => len);
    await gates.until(2);
    expect(exp.stats.reads.map((r) => r.offset)).toEqual([0, len, 2 * len]);
    gates.release(len);
    gates.release(2 * len);
    await client.reply(() => len);
    await client.reply(() => len);
    await gates.until(1);
    expect(exp.stats.reads.at(-1)).toEqual({ offset: 0, length: 128 * 1024 });
    gates.release(0);
    expect((await client.reply(() => 128 * 1024)).data).toEqual(IMAGE.slice(0, 128 * 1024));
  });

  it('keeps serving other connections while one client stops reading its replies', async () => {
    const { port } = await startServer({ maxInflightRequests: 8, maxInflightBytes: 1 << 20 });
    const { client: stuck } = await RawNbdClient.attached(port, 'img');
    stuck.socket.pause();
    for (let i = 0; i < 200; i++) stuck.request({ type: NbdCmd.READ, cookie: BigInt(i), offset: 0n, length: 1 << 18 });
    await expectServing(port);
    stuck.destroy();
  });
});

describe('NBD server lifecycle', () => {
  it('stop() drops connections as server-stopped and closes their exports', async () => {
    const { port, stats, nextDisconnect } = await startServer();
    const { client } = await RawNbdClient.attached(port, 'img');
    const ended = nextDisconnect();
    await server!.stop();
    server = undefined;
    expect(await ended).toMatchObject({ reason: 'server-stopped' });
    await client.closed();
    expect(stats).toMatchObject({ opened: 1, closed: 1 });
  });

  it('explains a port that is already taken', async () => {
    const { port } = await startServer();
    const second = new NbdServer({ address: '127.0.0.1', port, exports: staticExports([]) });
    const err = await second.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BindError);
    expect((err as BindError).message).toMatch(new RegExp(`NBD: port 127.0.0.1:${port} is already in use`));
  });
});
