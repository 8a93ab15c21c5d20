import { describe, expect, it } from 'vitest';
import { STALL_CODES } from '../../shared/stall-hints.ts';
import type { TimelineKind } from '../../shared/timeline-event.ts';
import { isTimelineEvent } from '../../shared/timeline-event-guard.ts';
import { ClientTimeline } from './client-timeline.ts';
import { FakeClock } from '../../../test/support/fake-clock.ts';

const KINDS: TimelineKind[] = [
  'dhcp.discover', 'dhcp.offer', 'dhcp.request', 'dhcp.ack', 'dhcp.nak', 'dhcp.proxy', 'dhcp.ignored', 'dhcp.release',
  'tftp.start', 'tftp.progress', 'tftp.done', 'tftp.error', 'http.start', 'http.progress', 'http.done', 'http.error',
  'nbd.connect', 'nbd.disconnect', 'nbd.error', 'boot.script', 'client.stalled', 'client.done', 'nat.changed', 'server.notice', 'server.warning',
];
const PATHS = ['/undionly.kpxe', '/ipxe.efi', '/boot.ipxe', '/i/vmlinuz', '/i/initrd.img', '/i/airootfs.sfs', '/i/x.iso', '/other', ''];
const STAGES = ['dhcp', 'firstStage', 'ipxe', 'kernel', 'live', 'done', 'stalled'];

describe('ClientTimeline under random input', () => {
  it('never throws and keeps its bounds and invariants over thousands of random events', () => {
    // Seeded xorshift: the same cases every run.
    let s = 0x2545f491;
    const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 2 ** 32);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const junk = (): unknown => pick([undefined, null, -1, 0, 1e12, NaN, 'x', '', true, false, {}, [], { a: 1 }, new URLSearchParams('mac=zz'), 7, 'PXEClient:Arch:00007']);
    const clock = new FakeClock();
    const tl = new ClientTimeline({ clock, maxClients: 8, maxEventsPerClient: 30, keepFirstEvents: 5 });
    let stalls = 0;
    tl.events.on('stalled', () => stalls++);
    for (let i = 0; i < 10_000; i++) {
      const e = {
        ts: rnd() < 0.02 ? 'not a time' : clock.iso(Math.floor((rnd() - 0.2) * 2000)),
        kind: pick(KINDS),
        client: rnd() < 0.9 ? `52:54:00:00:00:0${Math.floor(rnd() * 12).toString(16)}` : (junk() as string),
        ip: rnd() < 0.5 ? '198.18.0.5' : (junk() as string),
        path: rnd() < 0.8 ? pick(PATHS) : junk(),
        bytes: rnd() < 0.8 ? Math.floor(rnd() * 1e6) : junk(),
        total: rnd() < 0.5 ? 1e6 : junk(),
        pxe: rnd() < 0.8 ? rnd() < 0.5 : junk(),
        xid: rnd() < 0.9 ? 1 : junk(),
        from: rnd() < 0.9 ? '198.18.0.5:68' : junk(),
        images: rnd() < 0.9 ? [] : junk(),
        message: rnd() < 0.9 ? 'm' : junk(),
        ipxe: rnd() < 0.5 ? rnd() < 0.5 : junk(),
        arch: rnd() < 0.5 ? Math.floor(rnd() * 40) : junk(),
        status: rnd() < 0.3 ? pick([200, 206, 404, 500]) : junk(),
        outcome: rnd() < 0.5 ? pick(['complete', 'aborted', 'options-probe', 'timed-out']) : junk(),
        range: rnd() < 0.2 ? 'bytes=0-1' : junk(),
        role: rnd() < 0.3 ? pick(['loader', 'kernel', 'rootfs', 'bogus']) : junk(),
        query: junk(),
        expectsLive: junk(),
        menuTimeoutSec: junk(),
        transferId: rnd() < 0.5 ? String(Math.floor(rnd() * 5)) : junk(),
      };
      // Junk is stopped where events cross a boundary; what passes must never break the model.
      if (isTimelineEvent(e)) expect(() => tl.ingest(e)).not.toThrow();
      if (rnd() < 0.1) clock.advance(Math.floor(rnd() * 30_000));
    }
    clock.advance(120_000);
    const list = tl.list();
    expect(list.length).toBeLessThanOrEqual(8);
    expect(stalls).toBeGreaterThan(0);
    for (const c of list) {
      expect(STAGES).toContain(c.stage);
      expect(Number.isFinite(Date.parse(c.firstSeen))).toBe(true);
      expect(Date.parse(c.lastSeen)).toBeGreaterThanOrEqual(Date.parse(c.firstSeen));
      const d = tl.get(c.mac)!;
      expect(d.events.length).toBeLessThanOrEqual(30);
      if (c.stage === 'stalled') {
        expect(STALL_CODES).toContain(c.stalledCode);
        expect(c.stalledHint).toBeTruthy();
        expect(c.lastStage).toBeDefined();
      }
    }
    tl.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('never sees values that are not events at all: the boundary check stops them', () => {
    for (const bad of [{}, { kind: 5 }, { kind: 'nodot', client: '52:54:00:00:00:01' }, { ts: 1, kind: 'dhcp.discover', client: 42 }]) {
      expect(isTimelineEvent(bad)).toBe(false);
    }
  });
});
