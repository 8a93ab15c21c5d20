import { describe, expect, it } from 'vitest';
import { timelineKit } from '../../../test/support/timeline-kit.ts';

describe('a client summary gives the boot figures a technician reads after "Done"', () => {
  it('adds up the bytes of every completed transfer and times the boot from its first DHCP to its last event', () => {
    const k = timelineKit();
    const started = k.clock.now();
    k.pxeToLoader();
    k.ipxeToScript({ plan: 'http' });
    k.kernelAndInitrd();
    // A tsize probe and a missing file deliver nothing.
    k.feed('tftp.done', { path: '/ldlinux.c32', bytes: 0, outcome: 'aborted' }, 5);
    k.feed('http.done', { path: '/images/arch/missing.sig', status: 404, bytes: 0 }, 5);
    k.feed('http.start', { path: '/images/arch/arch/x86_64/airootfs.sfs', total: 800_000_000 }, 8000);
    k.feed('http.done', { path: '/images/arch/arch/x86_64/airootfs.sfs', bytes: 800_000_000, durationMs: 8000 });
    const lastEvent = k.clock.now();
    const during = k.timeline.get(k.MAC)!;
    expect(during.stage).toBe('live');
    expect(during.boot?.durationMs).toBe(lastEvent - started);
    expect(during.boot?.endedAt).toBeUndefined();

    k.clock.advance(k.timeline.thresholds.doneQuietMs);
    const done = k.timeline.get(k.MAC)!;
    expect(done.stage).toBe('done');
    expect(done).toMatchObject({ image: 'archlinux-2026.11.01-x86_64.iso', plan: 'http' });
    const bytes = 70_000 + 800 + 12_000_000 + 30_000_000 + 800_000_000;
    // The quiet that made the verdict is not boot time.
    expect(done.boot).toEqual({
      startedAt: new Date(started).toISOString(),
      endedAt: new Date(lastEvent).toISOString(),
      durationMs: lastEvent - started,
      bytes,
      // Loader 300 ms, script 2 ms, kernel 1 s, initrd 2 s, root 8 s: the gaps between them are not network time.
      bytesPerSecond: Math.round((bytes * 1000) / (300 + 2 + 1000 + 2000 + 8000)),
    });
    expect(k.dones[0]!.summary.boot).toEqual(done.boot);
  });

  it('starts the figures over when the machine boots again', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.ipxeToScript({ expectsLive: false });
    k.kernelAndInitrd();
    k.clock.advance(k.timeline.thresholds.doneQuietMs);
    expect(k.stage()).toBe('done');
    expect(k.timeline.get(k.MAC)!.boot?.bytes).toBe(70_000 + 800 + 42_000_000);
    const again = k.clock.now();
    k.feed('dhcp.discover', { pxe: true, ipxe: false, arch: 0 }, 5);
    expect(k.timeline.get(k.MAC)!.boot).toEqual({ startedAt: new Date(again).toISOString(), durationMs: 0, bytes: 0 });
  });

  it('counts what an NBD session read', () => {
    const k = timelineKit();
    k.pxeToLoader();
    k.feed('nbd.connect', { export: 'arch', size: 900_000_000 }, 4000);
    k.feed('nbd.disconnect', { export: 'arch', bytes: 300_000_000, durationMs: 4000 });
    expect(k.timeline.get(k.MAC)!.boot?.bytes).toBe(70_000 + 300_000_000);
  });
});
