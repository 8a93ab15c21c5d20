import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientIdentity } from '../../src-main/engine/client-identity.ts';
import { formatEventLine } from '../../src-main/engine/event-lines.ts';
import { guessFileRole } from '../../src-main/engine/timeline/file-role-guess.ts';
import { ClientTimeline } from '../../src-main/engine/timeline/client-timeline.ts';
import { ServerEventMapper } from '../../src-main/engine/timeline/server-event-mapper.ts';
import { TimelineFeed } from '../../src-main/engine/timeline/timeline-feed.ts';
import type { DhcpClientRef, DhcpServerEvents } from '../../src-main/servers/dhcp/dhcp-events.ts';
import { bufferFile, type FileSource } from '../../src-main/servers/file-source.ts';
import { HttpServer } from '../../src-main/servers/http/http-server.ts';
import { TftpServer } from '../../src-main/servers/tftp/tftp-server.ts';
import { Emitter } from '../../src-main/shared/emitter.ts';
import type { TimelineEvent } from '../../src-main/shared/timeline-event.ts';

// The timeline fed by the real TFTP and HTTP servers on loopback, driven by real clients
// (tftp-hpa, Node's fetch). DHCP is not started here (it would need a namespace); its events
// are emitted as DhcpServer emits them, which is all the timeline sees of it.
const run = promisify(execFile);
const MAC = '52:54:00:12:34:56';
const FILES: Record<string, Uint8Array> = {
  '/undionly.kpxe': new Uint8Array(70_000).fill(1),
  '/boot.ipxe': new TextEncoder().encode('#!ipxe\nkernel /images/t/vmlinuz\n'),
  '/images/t/arch/boot/x86_64/vmlinuz-linux': new Uint8Array(300_000).fill(2),
  '/images/t/arch/boot/x86_64/initramfs-linux.img': new Uint8Array(500_000).fill(3),
  '/images/t/arch/x86_64/airootfs.sfs': new Uint8Array(900_000).fill(4),
};
const source: FileSource = {
  async resolve(path) {
    const data = FILES[path];
    return data ? bufferFile(data) : null;
  },
};

let dir: string;
let tftp: TftpServer;
let http: HttpServer;
let timeline: ClientTimeline;
let feed: TimelineFeed;
const dhcp = new Emitter<DhcpServerEvents>();
const delivered: TimelineEvent[] = [];
const waiters: { test: (e: TimelineEvent) => boolean; resolve: () => void }[] = [];

function until(test: (e: TimelineEvent) => boolean): Promise<void> {
  if (delivered.some(test)) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ test, resolve }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootcast-feed-'));
  timeline = new ClientTimeline();
  // The engine classifies from its boot plans; the name-based guess stands in for it here.
  const mapper = new ServerEventMapper({ classify: (_protocol, path) => ({ role: guessFileRole(path), image: path.startsWith('/images/t/') ? 'test.iso' : undefined }) });
  feed = new TimelineFeed({
    identity: new ClientIdentity({ neighbours: () => [] }),
    timeline,
    mapper,
    sinks: [
      (e) => {
        delivered.push(e);
        for (const w of waiters.filter((w) => w.test(e))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      },
    ],
  });
  tftp = new TftpServer({ address: '127.0.0.1', port: 0, source });
  http = new HttpServer({ address: '127.0.0.1', port: 0, source });
  await tftp.start();
  await http.start();
  feed.attachDhcp(dhcp);
  feed.attachTftp(tftp.events);
  feed.attachHttp(http.events);
});

afterAll(async () => {
  feed?.dispose();
  timeline?.dispose();
  await tftp?.stop();
  await http?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ref = (ipxe: boolean): DhcpClientRef => ({
  mac: MAC,
  xid: 1,
  arch: 0,
  archName: 'x86 BIOS',
  firmware: 'bios',
  pxe: true,
  ipxe,
  vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
  from: '0.0.0.0:68',
});

async function get(path: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${http.port}${path}`);
  await res.arrayBuffer();
  expect(res.status).toBe(200);
}

describe('timeline fed by the real servers', () => {
  it('follows a client from DHCP through TFTP and HTTP to its live root, attributing every step to its MAC', async () => {
    dhcp.emit('discover', ref(false));
    dhcp.emit('offer', { ...ref(false), ip: '127.0.0.1', boot: { bootFile: 'undionly.kpxe' } });
    dhcp.emit('request', { ...ref(false), ip: '127.0.0.1', state: 'selecting' });
    dhcp.emit('ack', { ...ref(false), ip: '127.0.0.1', leaseSeconds: 600, boot: { bootFile: 'undionly.kpxe' } });
    expect(timeline.get(MAC)).toMatchObject({ stage: 'dhcp', firmware: 'bios', ipxe: false, vendor: 'QEMU/KVM' });

    await run('tftp', ['-m', 'binary', '127.0.0.1', String(tftp.port), '-c', 'get', 'undionly.kpxe', join(dir, 'undionly.kpxe')]);
    await until((e) => e.kind === 'tftp.done');
    expect(timeline.get(MAC)).toMatchObject({ stage: 'firstStage', progress: { protocol: 'tftp', path: '/undionly.kpxe', bytes: 70_000, total: 70_000 } });

    dhcp.emit('discover', ref(true));
    expect(timeline.get(MAC)!.stage).toBe('ipxe');

    await get('/boot.ipxe?mac=52-54-00-12-34-56&arch=i386&platform=pcbios');
    await until((e) => e.kind === 'http.done' && 'path' in e && e.path === '/boot.ipxe');
    // What the engine itself reports when it renders the script.
    feed.push({ ts: new Date().toISOString(), kind: 'boot.script', ip: '127.0.0.1', images: ['test.iso'], image: 'test.iso', plan: 'http', via: 'http' });

    await get('/images/t/arch/boot/x86_64/vmlinuz-linux');
    await get('/images/t/arch/boot/x86_64/initramfs-linux.img');
    await until((e) => e.kind === 'http.done' && 'path' in e && e.path.endsWith('initramfs-linux.img'));
    expect(timeline.get(MAC)!.stage).toBe('kernel');

    await get('/images/t/arch/x86_64/airootfs.sfs');
    await until((e) => e.kind === 'http.done' && 'path' in e && e.path.endsWith('airootfs.sfs'));
    const client = timeline.get(MAC)!;
    expect(client).toMatchObject({ stage: 'live', image: 'test.iso', ip: '127.0.0.1', firmware: 'bios' });
    expect(client.progress).toMatchObject({ protocol: 'http', bytes: 900_000, total: 900_000 });
    expect(client.progress!.bytesPerSecond).toBeGreaterThan(0);

    // Every file request reached the timeline under the client's MAC, in protocol order.
    const steps = delivered.filter((e) => !e.kind.endsWith('.progress')).map((e) => `${e.client} ${e.kind} ${'path' in e ? e.path : ''}`.trim());
    expect(steps).toEqual([
      `${MAC} dhcp.discover`,
      `${MAC} dhcp.offer`,
      `${MAC} dhcp.request`,
      `${MAC} dhcp.ack`,
      `${MAC} tftp.start /undionly.kpxe`,
      `${MAC} tftp.done /undionly.kpxe`,
      `${MAC} dhcp.discover`,
      `${MAC} http.start /boot.ipxe`,
      `${MAC} http.done /boot.ipxe`,
      `${MAC} boot.script`,
      `${MAC} http.start /images/t/arch/boot/x86_64/vmlinuz-linux`,
      `${MAC} http.done /images/t/arch/boot/x86_64/vmlinuz-linux`,
      `${MAC} http.start /images/t/arch/boot/x86_64/initramfs-linux.img`,
      `${MAC} http.done /images/t/arch/boot/x86_64/initramfs-linux.img`,
      `${MAC} http.start /images/t/arch/x86_64/airootfs.sfs`,
      `${MAC} http.done /images/t/arch/x86_64/airootfs.sfs`,
    ]);

    // And each is a well-formed --events line.
    for (const e of delivered) {
      const line = formatEventLine(e);
      expect(line).toMatch(/^\{"ts":"[^"]+","client":"52:54:00:12:34:56",("ip":"[^"]+",)?"kind":"/);
    }
  });
});
