import { describe, expect, it } from 'vitest';
import type { DhcpClientRef } from '../../servers/dhcp/dhcp-events.ts';
import { ServerEventMapper, type FileClassifier } from './server-event-mapper.ts';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const mapper = (classify?: FileClassifier) =>
  new ServerEventMapper({ now: () => NOW, ...(classify ? { classify } : {}) });

const ref = (over: Partial<DhcpClientRef> = {}): DhcpClientRef => ({
  mac: '52:54:00:12:34:56',
  xid: 0x1234,
  arch: 7,
  archName: 'EFI BC (x86-64)',
  firmware: 'uefi',
  pxe: true,
  ipxe: false,
  vendorClass: 'PXEClient:Arch:00007:UNDI:003016',
  from: '0.0.0.0:68',
  ...over,
});

describe('ServerEventMapper: DHCP', () => {
  it('keys DHCP steps by MAC with the client description the timeline reads', () => {
    const ev = mapper().dhcp('offer', { ...ref(), ip: '198.18.0.50', boot: { bootFile: 'ipxe.efi' } });
    expect(ev).toEqual({
      ts: '2026-01-01T00:00:00.000Z',
      kind: 'dhcp.offer',
      client: '52:54:00:12:34:56',
      ip: '198.18.0.50',
      pxe: true,
      ipxe: false,
      arch: 7,
      archName: 'EFI BC (x86-64)',
      firmware: 'uefi',
      vendorClass: 'PXEClient:Arch:00007:UNDI:003016',
      xid: 0x1234,
      from: '0.0.0.0:68',
      bootFile: 'ipxe.efi',
    });
  });

  it('passes the classifier\'s verdict on as is, leaving out what is unknown', () => {
    const bare = mapper().dhcp('discover', ref({ vendorClass: undefined, arch: null, firmware: 'unknown', pxe: false }))!;
    expect(bare).toMatchObject({ pxe: false, ipxe: false });
    expect(bare).not.toHaveProperty('arch');
    expect(bare).not.toHaveProperty('firmware');
    expect(bare).not.toHaveProperty('vendorClass');
    expect(mapper().dhcp('discover', ref({ vendorClass: undefined, pxe: true, ipxe: true }))).toMatchObject({ pxe: true, ipxe: true });
  });

  it('renames the proxy answer’s kind so it does not clash with the event kind', () => {
    const ev = mapper().dhcp('proxy', { ...ref(), port: 4011, kind: 'ack', boot: { bootFile: 'ipxe.efi' } })!;
    expect(ev).toMatchObject({ kind: 'dhcp.proxy', answer: 'ack', port: 4011 });
  });

  it('turns conflicts and warnings into server warnings without a client', () => {
    const ev = mapper().dhcp('conflict', { serverId: '198.18.0.254', address: '198.18.0.254', offeredAddress: '198.18.0.77', via: 'probe', message: 'another DHCP server' })!;
    expect(ev).toMatchObject({ kind: 'server.warning', source: 'dhcp', message: 'another DHCP server' });
    expect(ev.client).toBeUndefined();
    expect(mapper().dhcp('malformed', { from: '1.2.3.4:68', reason: 'short', bytes: 3 })).toBeUndefined();
  });
});

describe('ServerEventMapper: TFTP', () => {
  it('carries address, path and size from the start to progress and done', () => {
    const m = mapper((_protocol, path) => (path === '/undionly.kpxe' ? { role: 'loader' } : undefined));
    const start = m.tftp('transfer.start', {
      id: 't1',
      remoteAddress: '198.18.0.50',
      remotePort: 2070,
      path: '/undionly.kpxe',
      mode: 'octet',
      options: { blksize: 1468, windowsize: 1, timeoutMs: 1000, tsize: 70_000, oack: true },
      size: 70_000,
    });
    expect(start).toMatchObject({ kind: 'tftp.start', ip: '198.18.0.50', path: '/undionly.kpxe', total: 70_000, transferId: 't1', role: 'loader' });
    expect(m.tftp('transfer.progress', { id: 't1', bytes: 35_000, size: 70_000, retransmits: 0 })).toMatchObject({
      kind: 'tftp.progress',
      ip: '198.18.0.50',
      path: '/undionly.kpxe',
      bytes: 35_000,
      total: 70_000,
      role: 'loader',
    });
    const done = m.tftp('transfer.done', { id: 't1', remoteAddress: '198.18.0.50', remotePort: 2070, path: '/undionly.kpxe', bytes: 70_000, durationMs: 120, retransmits: 1, outcome: 'complete' });
    expect(done).toMatchObject({ kind: 'tftp.done', bytes: 70_000, total: 70_000, durationMs: 120, outcome: 'complete', role: 'loader' });
    // Forgotten after done.
    expect(m.tftp('transfer.progress', { id: 't1', bytes: 1, size: 70_000, retransmits: 0 })).toBeUndefined();
  });

  it('reports refused requests as errors and leaves started transfers to their done', () => {
    const m = mapper();
    expect(m.tftp('transfer.error', { remoteAddress: '198.18.0.50', remotePort: 2070, requested: 'pxelinux.cfg/default', stage: 'request', code: 1, message: 'File not found' })).toMatchObject({
      kind: 'tftp.error',
      path: 'pxelinux.cfg/default',
      error: 'File not found',
      code: 1,
    });
    expect(m.tftp('transfer.error', { id: 't2', remoteAddress: '198.18.0.50', remotePort: 2070, requested: 'x', stage: 'transfer', message: 'timeout' })).toBeUndefined();
  });
});

describe('ServerEventMapper: HTTP', () => {
  it('parses the query and remembers the request for its progress', () => {
    const m = mapper();
    const start = m.http('request.start', { id: 'h1', remoteAddress: '198.18.0.50', remotePort: 40000, method: 'GET', path: '/boot.ipxe', query: 'mac=52-54-00-12-34-56&arch=x86_64&platform=efi', range: null })!;
    expect(start).toMatchObject({ kind: 'http.start', ip: '198.18.0.50', path: '/boot.ipxe', method: 'GET', query: { mac: '52-54-00-12-34-56', arch: 'x86_64', platform: 'efi' } });
    expect(start).not.toHaveProperty('range');
    expect(m.http('request.progress', { id: 'h1', bytes: 10, total: 20 })).toMatchObject({ kind: 'http.progress', path: '/boot.ipxe', bytes: 10, total: 20 });
    expect(m.http('request.done', { id: 'h1', remoteAddress: '198.18.0.50', path: '/boot.ipxe', status: 200, bytes: 20, range: null, durationMs: 3, outcome: 'complete' })).toMatchObject({
      kind: 'http.done',
      status: 200,
      bytes: 20,
      total: 20,
      outcome: 'complete',
    });
  });

  it('keeps the range of partial requests and does not take a range length for the file size', () => {
    const m = mapper();
    m.http('request.start', { id: 'h2', remoteAddress: '198.18.0.50', remotePort: 40000, method: 'GET', path: '/images/a/small.iso', query: '', range: 'bytes=0-2047' });
    const progress = m.http('request.progress', { id: 'h2', bytes: 1024, total: 2048 })!;
    expect(progress).toHaveProperty('range', 'bytes=0-2047');
    expect(progress).not.toHaveProperty('total');
    const done = m.http('request.done', { id: 'h2', remoteAddress: '198.18.0.50', path: '/images/a/small.iso', status: 206, bytes: 2048, range: { start: 0, end: 2047 }, durationMs: 1, outcome: 'complete' })!;
    expect(done).toHaveProperty('range', 'bytes=0-2047');
    expect(done).not.toHaveProperty('total');
  });
});

describe('ServerEventMapper: NBD', () => {
  it('maps connects, disconnects and unknown exports', () => {
    const m = mapper();
    expect(m.nbd('connect', { id: 1, remoteAddress: '198.18.0.50', remotePort: 5000, export: 'arch', size: 1 << 30 })).toMatchObject({ kind: 'nbd.connect', ip: '198.18.0.50', export: 'arch' });
    expect(m.nbd('disconnect', { id: 1, remoteAddress: '198.18.0.50', remotePort: 5000, export: 'arch', bytesRead: 4096, requests: 3, durationMs: 50, reason: 'disc' })).toMatchObject({
      kind: 'nbd.disconnect',
      bytes: 4096,
      reason: 'disc',
    });
    expect(m.nbd('unknown-export', { id: 2, remoteAddress: '198.18.0.50', export: 'nope' })).toMatchObject({ kind: 'nbd.error', export: 'nope' });
  });
});
