import { describe, expect, it } from 'vitest';
import { LeasePool } from './lease-pool.ts';

function pool(first = '198.18.0.10', last = '198.18.0.13', exclude: string[] = ['198.18.0.11']) {
  let now = 1_000_000;
  const p = new LeasePool({ first, last, exclude, now: () => now });
  return { p, advance: (ms: number) => (now += ms), now: () => now };
}

describe('LeasePool', () => {
  it('hands out never-used addresses in order, skipping excluded ones', () => {
    const { p } = pool();
    expect(p.size).toBe(3);
    expect(p.offer('a', 'm-a', undefined, 30_000)?.ip).toBe('198.18.0.10');
    expect(p.offer('b', 'm-b', undefined, 30_000)?.ip).toBe('198.18.0.12');
    expect(p.offer('c', 'm-c', undefined, 30_000)?.ip).toBe('198.18.0.13');
    expect(p.offer('d', 'm-d', undefined, 30_000)).toBeNull();
  });

  it('offers the same address again to the same client, and the requested one when free', () => {
    const { p } = pool();
    expect(p.offer('a', 'm-a', '198.18.0.13', 30_000)?.ip).toBe('198.18.0.13');
    expect(p.offer('a', 'm-a', '198.18.0.12', 30_000)?.ip).toBe('198.18.0.13');
    expect(p.offer('b', 'm-b', '198.18.0.13', 30_000)?.ip).toBe('198.18.0.10');
  });

  it('reuses an expired offer but never a live lease', () => {
    const { p, advance } = pool('198.18.0.10', '198.18.0.10', []);
    p.offer('a', 'm-a', undefined, 30_000);
    expect(p.offer('b', 'm-b', undefined, 30_000)).toBeNull();
    advance(30_001);
    expect(p.offer('b', 'm-b', undefined, 30_000)?.ip).toBe('198.18.0.10');
    expect(p.bind('b', 'm-b', '198.18.0.10', 3_600_000)).not.toBeNull();
    expect(p.bind('a', 'm-a', '198.18.0.10', 3_600_000)).toBeNull();
    expect(p.holderOf('198.18.0.10')?.clientKey).toBe('b');
  });

  it('keeps a released address for its client while unused addresses remain, then lets others have it', () => {
    const { p } = pool('198.18.0.10', '198.18.0.11', []);
    p.bind('a', 'm-a', '198.18.0.10', 3_600_000);
    expect(p.release('a', '198.18.0.10')).toBe(true);
    expect(p.offer('b', 'm-b', undefined, 30_000)?.ip).toBe('198.18.0.11');
    expect(p.offer('a', 'm-a', undefined, 30_000)?.ip).toBe('198.18.0.10');
    const { p: tiny } = pool('198.18.0.10', '198.18.0.10', []);
    tiny.bind('a', 'm-a', '198.18.0.10', 3_600_000);
    tiny.release('a', '198.18.0.10');
    expect(tiny.offer('b', 'm-b', undefined, 30_000)?.ip).toBe('198.18.0.10');
    expect(tiny.leaseOf('a')).toBeUndefined();
  });

  it('quarantines a declined address until the quarantine ends', () => {
    const { p, advance } = pool('198.18.0.10', '198.18.0.10', []);
    p.bind('a', 'm-a', '198.18.0.10', 3_600_000);
    p.decline('a', '198.18.0.10', 600_000);
    expect(p.offer('a', 'm-a', undefined, 30_000)).toBeNull();
    advance(600_001);
    expect(p.offer('a', 'm-a', undefined, 30_000)?.ip).toBe('198.18.0.10');
  });

  it('round-trips bound leases through records/restore and drops those outside the range', () => {
    const { p, now } = pool();
    p.bind('a', 'm-a', '198.18.0.12', 3_600_000, 'node-a');
    const records = p.records();
    expect(records).toEqual([{ clientKey: 'a', mac: 'm-a', ip: '198.18.0.12', state: 'bound', expiresAt: now() + 3_600_000, hostname: 'node-a' }]);
    const { p: fresh } = pool();
    expect(fresh.restore([...records, { ...records[0]!, clientKey: 'z', ip: '198.18.9.9' }])).toEqual({ restored: 1, dropped: 1 });
    expect(fresh.leaseOf('a')?.ip).toBe('198.18.0.12');
    expect(fresh.offer('b', 'm-b', '198.18.0.12', 30_000)?.ip).not.toBe('198.18.0.12');
  });

  it('refuses an empty range', () => {
    expect(() => new LeasePool({ first: '198.18.0.20', last: '198.18.0.10' })).toThrow('DHCP range 198.18.0.20–198.18.0.10 is empty: the last address is below the first');
  });
});
