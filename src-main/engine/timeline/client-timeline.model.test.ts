import { describe, expect, it } from 'vitest';
import { timelineKit } from '../../../test/support/timeline-kit.ts';
import type { DhcpStepEvent, TransferStepEvent } from '../../shared/timeline-event.ts';

describe('ClientTimeline model', () => {
  it('lists events in time order even when they arrive slightly out of order', () => {
    const k = timelineKit();
    const a = k.ev('dhcp.discover', { pxe: true });
    k.clock.advance(10);
    const b = k.ev('dhcp.offer', { ip: '198.18.0.50' });
    k.clock.advance(10);
    const c = k.ev('tftp.start', { path: '/undionly.kpxe' });
    k.timeline.ingest(a);
    k.timeline.ingest(c);
    k.timeline.ingest(b);
    expect(k.timeline.get(k.MAC)!.events).toEqual([a, b, c]);
  });

  it('keeps arrival order for events with the same time', () => {
    const k = timelineKit();
    const events = ['dhcp.discover', 'dhcp.offer', 'dhcp.request', 'dhcp.ack'].map((kind, i) => k.ev(kind as 'dhcp.offer', { pxe: true, xid: i }));
    for (const e of events) k.timeline.ingest(e);
    expect(k.timeline.get(k.MAC)!.events.map((e) => (e as DhcpStepEvent).xid)).toEqual([0, 1, 2, 3]);
  });

  it('keeps the first events and the latest ones when a client has too many, counting them all', () => {
    const k = timelineKit({ maxEventsPerClient: 10, keepFirstEvents: 3 });
    for (let i = 0; i < 30; i++) {
      k.timeline.ingest(k.ev('dhcp.inform', { xid: i }));
      k.clock.advance(1);
    }
    const c = k.timeline.get(k.MAC)!;
    expect(c.events.map((e) => (e as DhcpStepEvent).xid)).toEqual([0, 1, 2, 23, 24, 25, 26, 27, 28, 29]);
    expect(c.eventCount).toBe(30);
  });

  it('evicts the least recently seen client beyond the bound, not the oldest one', () => {
    const k = timelineKit({ maxClients: 3 });
    const macs = ['52:54:00:00:00:01', '52:54:00:00:00:02', '52:54:00:00:00:03', '52:54:00:00:00:04'];
    for (const mac of macs.slice(0, 3)) k.timeline.ingest({ ...k.ev('dhcp.discover', { pxe: true }), client: mac });
    k.clock.advance(100);
    k.timeline.ingest({ ...k.ev('dhcp.request', { pxe: true }), client: macs[0]! });
    k.timeline.ingest({ ...k.ev('dhcp.discover', { pxe: true }), client: macs[3]! });
    expect(k.timeline.list().map((c) => c.mac)).toEqual([macs[0], macs[2], macs[3]]);
    expect(k.evicted).toEqual([macs[1]]);
    expect(k.timeline.get(macs[1]!)).toBeNull();
  });

  it('stops an evicted client’s timers', () => {
    const k = timelineKit({ maxClients: 1 });
    k.feed('dhcp.discover', { pxe: true });
    k.feed('dhcp.offer', { ip: '198.18.0.50' });
    expect(k.clock.pendingTimers).toBe(1);
    k.timeline.ingest({ ...k.ev('dhcp.discover', { pxe: true }), client: '52:54:00:00:00:99' });
    expect(k.clock.pendingTimers).toBe(0);
    k.clock.advance(60_000);
    expect(k.stalls).toHaveLength(0);
  });

  it('finds a client by any usual MAC spelling', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true });
    expect(k.timeline.get('52-54-00-12-34-56')?.mac).toBe(k.MAC);
    expect(k.timeline.get('525400123456')?.mac).toBe(k.MAC);
    expect(k.timeline.get('not a mac')).toBeNull();
  });

  it('normalises the MAC an event carries', () => {
    const k = timelineKit();
    k.timeline.ingest({ ...k.ev('dhcp.discover', { pxe: true }), client: '52-54-00-AB-CD-EF' });
    expect(k.timeline.list().map((c) => c.mac)).toEqual(['52:54:00:ab:cd:ef']);
  });

  it('ignores events that belong to no client', () => {
    const k = timelineKit();
    expect(k.timeline.ingest({ ts: k.clock.iso(), kind: 'nat.changed', message: 'sharing on' })).toBeUndefined();
    expect(k.timeline.ingest({ ts: k.clock.iso(), kind: 'tftp.start', ip: '198.18.0.9', path: '/x' })).toBeUndefined();
    expect(k.timeline.ingest(k.ev('server.warning', { message: 'x' }))).toBeUndefined();
    expect(k.timeline.list()).toEqual([]);
  });

  it('does not give a row to machines that only do ordinary DHCP', () => {
    const k = timelineKit();
    expect(k.feed('dhcp.ignored', { reason: 'not PXE' })).toBeUndefined();
    expect(k.feed('dhcp.discover', { vendorClass: 'android-dhcp-14', pxe: false })).toBeUndefined();
    expect(k.timeline.list()).toEqual([]);
    // …but once a client is known, its ignored packets are on its timeline.
    k.feed('dhcp.discover', { pxe: true });
    k.feed('dhcp.ignored', { reason: 'duplicate' });
    expect(k.timeline.get(k.MAC)!.events.map((e) => e.kind)).toEqual(['dhcp.discover', 'dhcp.ignored']);
  });

  it('attributes IP-only events through the resolver it was given', () => {
    const k = timelineKit({ resolveMac: (ip) => (ip === '198.18.0.50' ? '52:54:00:12:34:56' : undefined) });
    k.feed('dhcp.discover', { pxe: true });
    const s = k.timeline.ingest({ ts: k.clock.iso(), kind: 'tftp.start', ip: '198.18.0.50', path: '/undionly.kpxe' });
    expect(s).toMatchObject({ mac: k.MAC, stage: 'firstStage', ip: '198.18.0.50' });
  });

  it('does not record twice the stall and done events it generated when they are fed back', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true });
    k.feed('dhcp.offer', { ip: '198.18.0.50' }, 10_000);
    const before = k.timeline.get(k.MAC)!.events.length;
    k.timeline.ingest(k.stalls[0]!.event);
    expect(k.timeline.get(k.MAC)!.events.length).toBe(before);
  });

  it('folds progress updates of one transfer into its latest on the timeline', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    k.feed('http.start', { path: k.KERNEL, total: 1000 });
    for (let b = 100; b <= 900; b += 100) k.feed('http.progress', { path: k.KERNEL, bytes: b, total: 1000 }, 100);
    k.feed('http.done', { path: k.KERNEL, bytes: 1000, total: 1000, durationMs: 1000 });
    const events = k.timeline.get(k.MAC)!.events;
    expect(events.map((e) => e.kind)).toEqual(['dhcp.discover', 'http.start', 'http.progress', 'http.done']);
    expect((events[2] as TransferStepEvent).bytes).toBe(900);
  });

  it('folds a run of ranged reads of one file into the first and the latest', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    for (let i = 0; i < 50; i++) {
      const range = `bytes=${i * 2048}-${i * 2048 + 2047}`;
      k.feed('http.start', { path: '/images/x/small.iso', range, total: 100 * 2048 });
      k.feed('http.done', { path: '/images/x/small.iso', range, bytes: 2048, total: 100 * 2048 }, 1);
    }
    const c = k.timeline.get(k.MAC)!;
    expect(c.events.map((e) => e.kind)).toEqual(['dhcp.discover', 'http.start', 'http.done']);
    expect((c.events[1] as TransferStepEvent).range).toBe('bytes=0-2047');
    expect((c.events[2] as TransferStepEvent).range).toBe('bytes=100352-102399');
    // The reads add up into one transfer.
    expect(c.progress).toMatchObject({ protocol: 'http', path: '/images/x/small.iso', bytes: 50 * 2048, total: 100 * 2048 });
  });

  it('shows bytes, total and throughput of the current transfer', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    k.feed('http.start', { path: k.KERNEL, total: 10_000_000 }, 1000);
    k.feed('http.progress', { path: k.KERNEL, bytes: 2_000_000, total: 10_000_000 }, 1000);
    k.feed('http.progress', { path: k.KERNEL, bytes: 4_000_000, total: 10_000_000 });
    expect(k.timeline.get(k.MAC)!.progress).toEqual({ protocol: 'http', path: k.KERNEL, bytes: 4_000_000, total: 10_000_000, bytesPerSecond: 2_000_000 });
    k.clock.advance(1000);
    k.feed('http.done', { path: k.KERNEL, bytes: 10_000_000, total: 10_000_000, durationMs: 4000 });
    expect(k.timeline.get(k.MAC)!.progress).toEqual({ protocol: 'http', path: k.KERNEL, bytes: 10_000_000, total: 10_000_000, bytesPerSecond: 2_500_000 });
  });

  it('names the NIC vendor from the MAC', () => {
    const k = timelineKit();
    k.timeline.ingest({ ...k.ev('dhcp.discover', { pxe: true }), client: '08:00:27:aa:bb:cc' });
    k.timeline.ingest({ ...k.ev('dhcp.discover', { pxe: true }), client: '02:00:00:aa:bb:cc' });
    const list = k.timeline.list();
    expect(list[0]!.vendor).toBe('VirtualBox');
    expect(list[1]!.vendor).toBeUndefined();
  });

  it('forgets every client and timer on clear', () => {
    const k = timelineKit();
    let cleared = 0;
    k.timeline.events.on('cleared', () => cleared++);
    k.feed('dhcp.discover', { pxe: true });
    k.feed('dhcp.offer', { ip: '198.18.0.50' });
    k.timeline.clear();
    expect(k.timeline.list()).toEqual([]);
    expect(k.clock.pendingTimers).toBe(0);
    expect(cleared).toBe(1);
    k.clock.advance(60_000);
    expect(k.stalls).toHaveLength(0);
  });

  it('records first and last seen from the event times', () => {
    const k = timelineKit();
    const first = k.clock.iso();
    k.feed('dhcp.discover', { pxe: true }, 3000);
    const last = k.clock.iso();
    k.feed('dhcp.request', { pxe: true });
    expect(k.timeline.get(k.MAC)).toMatchObject({ firstSeen: first, lastSeen: last, eventCount: 2 });
  });
});

describe('ClientTimeline update notifications', () => {
  it('sends stage changes at once but progress at most every 250 ms, ending with the latest state', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    k.feed('http.start', { path: k.KERNEL, total: 1_000_000 });
    const before = k.updates.length;
    for (let i = 1; i <= 100; i++) k.feed('http.progress', { path: k.KERNEL, bytes: i * 10_000, total: 1_000_000 }, 10);
    k.clock.advance(1000);
    const progress = k.updates.slice(before);
    // 1 s of updates every 10 ms → one notification per 250 ms window, plus the trailing one.
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.length).toBeLessThanOrEqual(5);
    expect(progress.at(-1)!.progress!.bytes).toBe(1_000_000);
  });

  it('does not hold back a stage change behind the progress rate limit', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    k.feed('http.start', { path: k.KERNEL, total: 1000 });
    k.feed('http.progress', { path: k.KERNEL, bytes: 10, total: 1000 }, 10);
    const n = k.updates.length;
    k.feed('http.start', { path: '/images/a/airootfs.sfs', total: 1000 });
    expect(k.updates.length).toBe(n + 1);
    expect(k.updates.at(-1)!.stage).toBe('live');
  });

  it('keeps one pending timer per client however many progress events come, and sends nothing when it re-arms', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true, ipxe: true });
    k.feed('http.start', { path: k.KERNEL, total: 10_000_000 });
    for (let i = 1; i <= 100; i++) {
      k.feed('http.progress', { path: k.KERNEL, bytes: i * 50_000, total: 10_000_000 }, 500);
      expect(k.clock.pendingTimers).toBeLessThanOrEqual(2); // the stall timer and the trailing update
    }
    const sent = k.updates.length;
    // The download stops: the early timer re-arms for the real deadline without a notification…
    k.clock.advance(19_000);
    expect(k.updates.length).toBe(sent);
    expect(k.stage()).toBe('kernel');
    // …and the verdict comes 20 s after the last byte.
    k.clock.advance(500);
    expect(k.stage()).toBe('stalled');
  });

  it('sends one notification per event while events are far apart', () => {
    const k = timelineKit();
    k.feed('dhcp.discover', { pxe: true }, 1000);
    k.feed('dhcp.discover', { pxe: true }, 1000);
    k.feed('dhcp.discover', { pxe: true }, 1000);
    expect(k.updates).toHaveLength(3);
  });
});
