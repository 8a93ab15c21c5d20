/**
 * Simulated PXE clients for the load bench: each plays, from its own loopback address, what a
 * machine's firmware and iPXE do after DHCP — the PXE ROM's tsize probe and TFTP download of the
 * loader (lock-step, blksize 1432), then iPXE's HTTP fetches of boot.ipxe, the kernel and the
 * initrds it names. Also the misbehaving ones: never acknowledging, reading slowly, vanishing
 * mid-transfer, sending garbage. Counts what crossed the wire so the bench can compare it with
 * what was needed.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { decodeTftpPacket, encodeTftpPacket, type TftpOption } from '../../src-main/protocol/tftp/tftp-packet.ts';

export interface Target {
  host: string;
  tftpPort: number;
  httpPort: number;
  nbdPort: number;
}

export interface WireCounts {
  /** DATA payload bytes received over TFTP, duplicates included. */
  tftpReceived: number;
  /** Sizes of the files fetched by TFTP: what a loss-free transfer needs. */
  tftpNeeded: number;
  httpReceived: number;
}

export function newCounts(): WireCounts {
  return { tftpReceived: 0, tftpNeeded: 0, httpReceived: 0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The n-th client's own loopback address (127.0.0.0/8 is all loopback on Linux). */
export function clientAddress(n: number, net = 10): string {
  return `127.${net}.${(n >> 7) & 0xff}.${(n & 0x7f) + 1}`;
}

async function udp(local: string): Promise<UdpSocket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address: local, port: 0 }, () => resolve());
  });
  return s;
}

/** Sends and waits until the datagram has left: a socket closed right after `send()` drops it. */
function sendNow(s: UdpSocket, msg: Uint8Array, port: number, host: string): Promise<void> {
  return new Promise((resolve) => s.send(msg, port, host, () => resolve()));
}

/** Next datagram or undefined after `ms`. */
function nextPacket(s: UdpSocket, ms: number): Promise<{ msg: Buffer; port: number } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.off('message', on);
      resolve(undefined);
    }, ms);
    const on = (msg: Buffer, rinfo: { port: number }) => {
      clearTimeout(timer);
      s.off('message', on);
      resolve({ msg, port: rinfo.port });
    };
    s.on('message', on);
  });
}

/** A PXE ROM's TFTP read: tsize probe (RRQ, OACK, ERROR), then the download in lock-step. Returns the size. */
export async function tftpFetch(t: Target, local: string, file: string, counts: WireCounts): Promise<number> {
  const probe = await udp(local);
  let size = 0;
  try {
    probe.send(encodeTftpPacket({ op: 'RRQ', filename: file, mode: 'octet', options: [{ name: 'tsize', value: '0' }] }), t.tftpPort, t.host);
    const oack = await nextPacket(probe, 5000);
    if (!oack) throw new Error(`tftp ${file}: no answer to the tsize probe`);
    const p = decodeTftpPacket(oack.msg);
    if (p.op !== 'OACK') throw new Error(`tftp ${file}: probe answered with ${p.op}${p.op === 'ERROR' ? ` ${p.message}` : ''}`);
    size = Number(p.options.find((o) => o.name === 'tsize')?.value ?? 0);
    await sendNow(probe, encodeTftpPacket({ op: 'ERROR', code: 8, message: 'tsize probe' }), oack.port, t.host);
  } finally {
    probe.close();
  }
  const s = await udp(local);
  try {
    const blksize = 1432;
    const options: TftpOption[] = [{ name: 'blksize', value: String(blksize) }, { name: 'tsize', value: '0' }];
    const rrq = encodeTftpPacket({ op: 'RRQ', filename: file, mode: 'octet', options });
    s.send(rrq, t.tftpPort, t.host);
    let last: Uint8Array = rrq;
    let lastPort = t.tftpPort;
    let expected = 1;
    let got = 0;
    for (let silent = 0; ; ) {
      const r = await nextPacket(s, 2000);
      if (!r) {
        if (++silent > 5) throw new Error(`tftp ${file}: server went silent after ${got} bytes`);
        s.send(last, lastPort, t.host);
        continue;
      }
      silent = 0;
      const p = decodeTftpPacket(r.msg);
      if (p.op === 'ERROR') throw new Error(`tftp ${file}: ERROR ${p.code} ${p.message}`);
      if (p.op === 'OACK') {
        last = encodeTftpPacket({ op: 'ACK', block: 0 });
        lastPort = r.port;
        s.send(last, r.port, t.host);
        continue;
      }
      if (p.op !== 'DATA') continue;
      counts.tftpReceived += p.data.byteLength;
      if (p.block !== (expected & 0xffff)) {
        s.send(last, r.port, t.host); // a duplicate: re-acknowledge what we have
        continue;
      }
      got += p.data.byteLength;
      expected++;
      last = encodeTftpPacket({ op: 'ACK', block: p.block });
      lastPort = r.port;
      if (p.data.byteLength < blksize) {
        await sendNow(s, last, r.port, t.host); // the final ACK must leave before the socket closes
        break;
      }
      s.send(last, r.port, t.host);
    }
    counts.tftpNeeded += size;
    if (got !== size) throw new Error(`tftp ${file}: got ${got} bytes, tsize said ${size}`);
    return got;
  } finally {
    s.close();
  }
}

function httpGet(t: Target, local: string, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get({ host: t.host, port: t.httpPort, path, localAddress: local, agent: false }, resolve);
    req.on('error', reject);
  });
}

/** GETs `path`, reading it all; returns the body (bodies larger than `keep` are counted, not kept). */
export async function httpFetch(t: Target, local: string, path: string, counts: WireCounts, keep = 1 << 16): Promise<{ status: number; body: string; bytes: number }> {
  const res = await httpGet(t, local, path);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    bytes += chunk.byteLength;
    if (bytes <= keep) chunks.push(chunk);
  }
  counts.httpReceived += bytes;
  const expected = Number(res.headers['content-length'] ?? bytes);
  if (bytes !== expected) throw new Error(`http ${path}: ${bytes} of ${expected} bytes`);
  return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), bytes };
}

/** One simulated boot, loader to initrd; throws on anything a real client would fail on. */
export async function bootOnce(t: Target, n: number, counts: WireCounts, pauseMs = 20): Promise<void> {
  const local = clientAddress(n);
  const mac = `52:54:00:${((n >> 16) & 0xff).toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
  await tftpFetch(t, local, 'snponly.efi', counts);
  await sleep(pauseMs * Math.random()); // iPXE starting, its own DHCP
  const script = await httpFetch(t, local, `/boot.ipxe?mac=${mac}&arch=x86_64&platform=efi`, counts);
  if (script.status !== 200) throw new Error(`boot.ipxe: HTTP ${script.status}`);
  const urls = [...script.body.matchAll(/^(?:kernel|initrd)(?: --name \S+)? (http:\/\/\S+)/gm)].map((m) => new URL(m[1]!).pathname);
  if (urls.length < 2) throw new Error(`boot.ipxe names no kernel and initrd:\n${script.body}`);
  for (const path of urls) {
    const r = await httpFetch(t, local, path, counts);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
  }
}

// ---- misbehaving clients --------------------------------------------------------------------

/** RRQs from fresh ports that never acknowledge anything (and ask for a huge timeout). */
export async function neverAck(t: Target, local: string, requests: number, counts: WireCounts): Promise<void> {
  const sockets: UdpSocket[] = [];
  for (let i = 0; i < requests; i++) {
    const s = await udp(local);
    s.on('message', (msg) => (counts.tftpReceived += Math.max(0, msg.byteLength - 4)));
    const options = i % 2 ? [{ name: 'timeout', value: '255' }, { name: 'blksize', value: '1432' }] : [];
    s.send(encodeTftpPacket({ op: 'RRQ', filename: 'undionly.kpxe', mode: 'octet', options }), t.tftpPort, t.host);
    sockets.push(s);
  }
  await sleep(3000);
  for (const s of sockets) s.close();
}

/** Asks for the kernel and reads nothing for `holdMs`, then leaves. */
export async function slowReader(t: Target, local: string, path: string, holdMs: number): Promise<void> {
  const res = await httpGet(t, local, path).catch(() => undefined);
  if (!res) return;
  res.pause();
  await sleep(holdMs);
  res.destroy();
}

/** Reads part of a download and vanishes (RST). */
export async function vanish(t: Target, local: string, path: string, after: number): Promise<void> {
  const res = await httpGet(t, local, path).catch(() => undefined);
  if (!res) return;
  let got = 0;
  await new Promise<void>((resolve) => {
    res.on('data', (c: Buffer) => {
      got += c.byteLength;
      if (got >= after) {
        res.socket.resetAndDestroy();
        resolve();
      }
    });
    res.on('close', () => resolve());
    res.on('error', () => resolve());
  });
}

/** Random datagrams at the TFTP port and random bytes at the HTTP and NBD ports. */
export async function garbage(t: Target, local: string, rounds: number): Promise<void> {
  const s = await udp(local);
  for (let i = 0; i < rounds; i++) {
    const junk = Buffer.alloc(1 + Math.floor(Math.random() * 600));
    for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(Math.random() * 256);
    s.send(junk, t.tftpPort, t.host);
  }
  s.close();
  for (const port of [t.httpPort, t.nbdPort]) {
    await new Promise<void>((resolve) => {
      const c = connect({ host: t.host, port, localAddress: local });
      c.on('error', () => resolve());
      c.on('connect', () => {
        const junk = Buffer.alloc(4096);
        for (let j = 0; j < junk.length; j++) junk[j] = Math.floor(Math.random() * 256);
        c.write(junk);
        setTimeout(() => {
          c.destroy();
          resolve();
        }, 200);
      });
    });
  }
}

/** Opens connections and sends nothing (or half a request) until `holdMs` passes. */
export async function idleConnections(t: Target, local: string, count: number, holdMs: number): Promise<void> {
  const sockets = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise<ReturnType<typeof connect> | undefined>((resolve) => {
        const c = connect({ host: t.host, port: i % 3 === 2 ? t.nbdPort : t.httpPort, localAddress: local, allowHalfOpen: true });
        c.on('error', () => resolve(undefined));
        c.on('connect', () => {
          if (i % 3 === 1) c.write('GET /boot.ipxe HTTP/1.1\r\nHost: x\r\n');
          resolve(c);
        });
      }),
    ),
  );
  await sleep(holdMs);
  for (const s of sockets) s?.destroy();
}
