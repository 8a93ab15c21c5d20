import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeDnsHeader, encodeDnsQuery, readFirstQuestion } from '../../src-main/protocol/dns/dns-message.ts';
import { DnsForwarder } from '../../src-main/servers/dns-forwarder.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { dnsAnswer, startFakeDnsUpstream, type FakeDnsUpstream } from '../support/fake-dns-upstream.ts';
import { until } from '../support/until.ts';

/** A client socket on loopback that collects replies. */
async function client(): Promise<{ socket: Socket; replies: Buffer[]; next(): Promise<Buffer> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const replies: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  socket.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else replies.push(m);
  });
  return { socket, replies, next: () => new Promise((resolve) => (replies.length ? resolve(replies.shift()!) : waiters.push(resolve))) };
}

describe('DnsForwarder on loopback', () => {
  let upstream: FakeDnsUpstream;
  let second: FakeDnsUpstream;
  let forwarder: DnsForwarder | undefined;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    upstream = await startFakeDnsUpstream('127.0.0.1', 0, '198.18.7.7');
    second = await startFakeDnsUpstream('127.0.0.1', 0, '198.18.8.8');
  });
  afterEach(async () => {
    await forwarder?.stop();
    forwarder = undefined;
    for (const s of sockets.splice(0)) s.close();
    upstream.mode = 'answer';
    second.mode = 'answer';
  });
  afterAll(async () => {
    await upstream.close();
    await second.close();
  });

  async function start(options: Partial<ConstructorParameters<typeof DnsForwarder>[0]> = {}): Promise<DnsForwarder> {
    forwarder = new DnsForwarder({ address: '127.0.0.1', port: 0, upstreams: [{ address: '127.0.0.1', port: upstream.port }], ...options });
    await forwarder.start();
    return forwarder;
  }

  async function ask(f: DnsForwarder, id: number, name: string) {
    const c = await client();
    sockets.push(c.socket);
    c.socket.send(encodeDnsQuery(id, name), f.port, '127.0.0.1');
    return c;
  }

  it('relays a query with a fresh ID upstream and gives the client its own ID back', async () => {
    const f = await start();
    const reply = await (await ask(f, 0x1234, 'Mirror.Example.org')).next();
    const header = decodeDnsHeader(reply);
    expect(header).toMatchObject({ id: 0x1234, qr: true, ancount: 1 });
    expect(readFirstQuestion(reply).name).toBe('mirror.example.org');
    expect([...reply.subarray(-4)]).toEqual([198, 18, 7, 7]);
    expect(upstream.queries.at(-1)!.name).toBe('mirror.example.org');
    expect(f.stats()).toMatchObject({ queries: 1, answered: 1, malformed: 0 });
    expect(f.pendingCount).toBe(0);
  });

  it('drops malformed datagrams and responses sent to it, and keeps serving', async () => {
    const f = await start();
    const c = await ask(f, 1, 'a.example');
    await c.next();
    for (const junk of [Uint8Array.of(1, 2, 3), new Uint8Array(12), Uint8Array.from([...encodeDnsQuery(5, 'x.example').subarray(0, 14)]), dnsAnswer(encodeDnsQuery(6, 'y.example'), '198.18.0.9')]) {
      c.socket.send(junk, f.port, '127.0.0.1');
    }
    c.socket.send(encodeDnsQuery(7, 'b.example'), f.port, '127.0.0.1');
    const reply = await c.next();
    expect(decodeDnsHeader(reply).id).toBe(7);
    expect(f.stats().malformed).toBe(4);
    expect(c.replies).toEqual([]);
  });

  it('refuses an answer to a different question than the one asked', async () => {
    const f = await start();
    upstream.mode = 'wrong-question';
    const c = await ask(f, 9, 'asked.example');
    await until(() => f.stats().unmatched === 1);
    expect(f.stats().answered).toBe(0);
    expect(c.replies).toEqual([]);
  });

  it('ignores answers that do not come from an upstream', async () => {
    const f = await start({ upstreams: [{ address: '127.0.0.1', port: upstream.port }] });
    upstream.mode = 'silent';
    const c = await ask(f, 11, 'spoof.example');
    await until(() => upstream.queries.some((q) => q.name === 'spoof.example'));
    const sent = upstream.queries.at(-1)!;
    // A forged answer with the right ID and question, from a port that is not the upstream's.
    const forged = dnsAnswer(encodeDnsQuery(sent.id, 'spoof.example'), '198.18.6.6');
    const attacker = createSocket('udp4');
    sockets.push(attacker);
    await new Promise<void>((r) => attacker.bind(0, '127.0.0.1', () => r()));
    const upstreamSide = (f as unknown as { upstreamSocket: Socket }).upstreamSocket.address().port;
    attacker.send(forged, upstreamSide, '127.0.0.1');
    await until(() => f.stats().unmatched === 1);
    expect(c.replies).toEqual([]);
  });

  it('bounds the pending table: beyond maxPending, queries are dropped and counted', async () => {
    const f = await start({ maxPending: 2, timeoutMs: 60_000 });
    upstream.mode = 'silent';
    for (const id of [1, 2, 3, 4]) await ask(f, id, `q${id}.example`);
    await until(() => f.stats().queries === 4);
    expect(f.pendingCount).toBe(2);
    expect(f.stats().overloaded).toBe(2);
  });

  it('moves a query to the next upstream when the first stays silent', async () => {
    const f = await start({ upstreams: [`127.0.0.1:${upstream.port}`, { address: '127.0.0.1', port: second.port }], timeoutMs: 100 });
    upstream.mode = 'silent';
    const reply = await (await ask(f, 21, 'failover.example')).next();
    expect(decodeDnsHeader(reply).id).toBe(21);
    expect([...reply.subarray(-4)]).toEqual([198, 18, 8, 8]);
  });

  it('survives 3000 mutated datagrams on both sockets and still answers', async () => {
    const f = await start();
    const errors: Error[] = [];
    f.events.on('error', (e) => errors.push(e));
    const rnd = seededRandom(0xf0d);
    const c = await client();
    sockets.push(c.socket);
    const upstreamSide = (f as unknown as { upstreamSocket: Socket }).upstreamSocket.address().port;
    const valid = [encodeDnsQuery(1, 'fuzz.example'), dnsAnswer(encodeDnsQuery(2, 'fuzz.example'), '198.18.0.3')];
    for (let i = 0; i < 3000; i++) {
      const bytes = valid[i % 2]!.slice(0, 1 + Math.floor(rnd() * valid[i % 2]!.length));
      for (let k = 0; k < 3; k++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      // Queries the mutation left valid are answered or pending; everything else is dropped.
      c.socket.send(bytes, i % 3 === 0 ? upstreamSide : f.port, '127.0.0.1');
      // Paced so loopback socket buffers never overflow: every datagram must be seen and judged.
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => {
      const s = f.stats();
      return s.queries + s.malformed + s.unmatched >= 3000;
    }).catch((err) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(f.stats())}`);
    });
    c.socket.send(encodeDnsQuery(0x4242, 'after.example'), f.port, '127.0.0.1');
    await until(() => c.replies.some((r) => decodeDnsHeader(r).id === 0x4242));
    expect(errors).toEqual([]);
    expect(f.stats().malformed).toBeGreaterThan(100);
  });

  it('relays DNS over TCP (the retry after a truncated answer) to the upstream', async () => {
    const f = await start();
    const query = encodeDnsQuery(0x7777, 'big.example');
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const conn = connect(f.port, '127.0.0.1', () => {
        const framed = Buffer.alloc(2 + query.length);
        framed.writeUInt16BE(query.length, 0);
        framed.set(query, 2);
        conn.write(framed);
      });
      let got = Buffer.alloc(0);
      conn.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
          conn.end();
          resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
        }
      });
      conn.on('error', reject);
    });
    expect(decodeDnsHeader(reply)).toMatchObject({ id: 0x7777, qr: true, ancount: 1 });
    expect(f.stats().tcpConnections).toBe(1);
  });

  it('caps concurrent TCP relays', async () => {
    const f = await start({ maxTcpConnections: 1 });
    const first = connect(f.port, '127.0.0.1');
    await new Promise((r) => first.once('connect', r));
    await until(() => f.stats().tcpConnections === 1);
    const second = connect(f.port, '127.0.0.1');
    await new Promise((r) => second.once('close', r));
    expect(f.stats().tcpRefused).toBe(1);
    first.destroy();
  });

  it('refuses to forward to itself', () => {
    expect(() => new DnsForwarder({ address: '127.0.0.1', port: 5353, upstreams: ['127.0.0.1:5353'] })).toThrow(/loop/);
  });
});
