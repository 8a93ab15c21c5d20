import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { describeEvent, formatBytes } from './event-text.ts';

const MAC = '52:54:00:12:34:56';
const e = (kind: TimelineEvent['kind'], extra: Record<string, unknown> = {}): TimelineEvent => ({ ts: '2026-01-01T00:00:00.000Z', kind, client: MAC, ...extra });

describe('describeEvent', () => {
  it.each<[TimelineEvent, LogLine]>([
    [e('dhcp.discover', { pxe: true, ipxe: false, archName: 'x86 BIOS' }), ['info', 'dhcp', `${MAC}: DHCP discover (PXE, x86 BIOS)`]],
    [e('dhcp.offer', { ip: '198.18.0.50', bootFile: 'undionly.kpxe' }), ['info', 'dhcp', `${MAC}: DHCP offer 198.18.0.50, boot file undionly.kpxe`]],
    [e('dhcp.proxy', { answer: 'ack', bootFile: 'ipxe.efi' }), ['info', 'dhcp', `${MAC}: proxyDHCP ack, boot file ipxe.efi`]],
    [e('tftp.done', { path: '/undionly.kpxe', bytes: 70_000, durationMs: 300, outcome: 'complete' }), ['info', 'tftp', `${MAC}: sent /undionly.kpxe (68.4 KiB in 0.3 s)`]],
    [e('tftp.done', { path: '/undionly.kpxe', bytes: 0, outcome: 'options-probe' }), ['info', 'tftp', `${MAC}: /undionly.kpxe not delivered: options-probe`]],
    [e('tftp.done', { path: '/ipxe.efi', bytes: 9, outcome: 'timed-out', detail: 'no ACK' }), ['warn', 'tftp', `${MAC}: /ipxe.efi not delivered: timed-out (no ACK)`]],
    [e('http.done', { path: '/k', status: 404, bytes: 9, outcome: 'complete' }), ['warn', 'http', `${MAC}: /k not delivered: HTTP 404`]],
    [e('http.start', { path: '/a.iso', range: 'bytes=0-2047' }), ['info', 'http', `${MAC}: HTTP /a.iso (bytes=0-2047)`]],
    [e('nbd.error', { export: 'nope', error: 'no export named "nope"' }), ['warn', 'nbd', `${MAC}: NBD nope failed: no export named "nope"`]],
    [e('client.stalled', { code: 'no-ipxe-after-loader', hint: 'Secure Boot?' }), ['warn', 'client', `${MAC}: stalled — Secure Boot?`]],
    [{ ts: 't', kind: 'server.warning', source: 'dhcp', message: 'another DHCP server answers' }, ['warn', 'dhcp', 'another DHCP server answers']],
  ])('describes %j', (event, [level, source, message]) => {
    expect(describeEvent(event)).toMatchObject({ level, source, message });
  });

  it('gives no line for progress', () => {
    expect(describeEvent(e('http.progress', { path: '/k', bytes: 5 }))).toBeUndefined();
  });

  it('names the client when known, else its address', () => {
    expect(describeEvent(e('tftp.start', { path: '/x' }))!.client).toBe(MAC);
    const anon = describeEvent({ ts: 't', kind: 'tftp.start', ip: '198.18.0.9', path: '/x' })!;
    expect(anon.message).toBe('198.18.0.9: TFTP /x');
    expect(anon.client).toBeUndefined();
  });

  it('formats sizes in binary units', () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(5 * 1024 * 1024), formatBytes(3 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '5.0 MiB', '3.00 GiB']);
  });
});

type LogLine = ['info' | 'warn' | 'error', string, string];
