import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { decodeDnsHeader, encodeDnsHeader, readFirstQuestion } from '../../src-main/protocol/dns/dns-message.ts';

/**
 * A tiny authoritative-for-everything resolver: answers every A query with `answer` (an
 * address from 198.18.0.0/15), every other type with an empty NOERROR. `mode` lets tests make
 * it silent or answer the wrong question. Records the queries it saw.
 */
export interface FakeDnsUpstream {
  socket: Socket;
  port: number;
  queries: { id: number; name: string; type: number }[];
  mode: 'answer' | 'silent' | 'wrong-question';
  /** Same answers over TCP on the same port (length-prefixed, RFC 1035 §4.2.2). */
  tcp: Server;
  close(): Promise<void>;
}

export function dnsAnswer(query: Uint8Array, answer: string, overrideName?: string): Uint8Array {
  const h = decodeDnsHeader(query);
  const q = readFirstQuestion(query);
  const isA = q.type === 1 && q.class === 1;
  let question = query.slice(12, q.end);
  if (overrideName) {
    const labels = overrideName.split('.').flatMap((l) => [l.length, ...[...l].map((c) => c.charCodeAt(0))]);
    question = Uint8Array.from([...labels, 0, 0, q.type, 0, q.class]);
  }
  const header = encodeDnsHeader({ ...h, qr: true, aa: true, ra: true, rcode: 0, qdcount: 1, ancount: isA ? 1 : 0, nscount: 0, arcount: 0 });
  const rr = isA ? [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...answer.split('.').map(Number)] : [];
  return Uint8Array.from([...header, ...question, ...rr]);
}

export async function startFakeDnsUpstream(address: string, port: number, answer = '198.18.7.7'): Promise<FakeDnsUpstream> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  const tcp = createServer((conn) => {
    let buffered = Buffer.alloc(0);
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        try {
          const q = readFirstQuestion(msg);
          upstream.queries.push({ id: decodeDnsHeader(msg).id, name: q.name, type: q.type });
          const reply = dnsAnswer(msg, answer);
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          framed.set(reply, 2);
          conn.write(framed);
        } catch {
          conn.destroy();
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(socket.address().port, address, () => resolve());
  });
  const upstream: FakeDnsUpstream = {
    socket,
    port: socket.address().port,
    queries: [],
    mode: 'answer',
    tcp,
    close: async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
  socket.on('message', (msg, rinfo) => {
    try {
      const q = readFirstQuestion(msg);
      upstream.queries.push({ id: decodeDnsHeader(msg).id, name: q.name, type: q.type });
      if (upstream.mode === 'silent') return;
      socket.send(dnsAnswer(msg, answer, upstream.mode === 'wrong-question' ? 'other.example' : undefined), rinfo.port, rinfo.address);
    } catch {
      /* a fake resolver ignores what it cannot parse */
    }
  });
  return upstream;
}
