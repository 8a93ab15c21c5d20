import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../shared/api.ts';
import { LogRing } from './log-ring.ts';

const entry = (n: number, over: Partial<LogEntry> = {}): LogEntry => ({
  ts: new Date(n * 1000).toISOString(),
  level: 'info',
  source: 'tftp',
  message: `line ${n}`,
  ...over,
});

describe('LogRing', () => {
  it('returns the newest entries, oldest first, up to the limit', () => {
    const ring = new LogRing(10);
    for (let i = 0; i < 5; i++) ring.add(entry(i));
    expect(ring.recent({ limit: 3 }).map((e) => e.message)).toEqual(['line 2', 'line 3', 'line 4']);
  });

  it('forgets the oldest beyond its capacity', () => {
    const ring = new LogRing(4);
    for (let i = 0; i < 10; i++) ring.add(entry(i));
    expect(ring.size).toBe(4);
    expect(ring.recent().map((e) => e.message)).toEqual(['line 6', 'line 7', 'line 8', 'line 9']);
  });

  it('filters by level and above, source, client and text', () => {
    const ring = new LogRing(100);
    ring.add(entry(1, { level: 'warn', source: 'dhcp', message: 'Another DHCP server answered' }));
    ring.add(entry(2, { level: 'error', source: 'http', message: 'Port 80 in use', client: '52:54:00:12:34:56' }));
    ring.add(entry(3, { level: 'info', source: 'dhcp', message: 'offer sent' }));
    expect(ring.recent({ minLevel: 'warn' }).map((e) => e.level)).toEqual(['warn', 'error']);
    expect(ring.recent({ source: 'dhcp' })).toHaveLength(2);
    expect(ring.recent({ client: '52:54:00:12:34:56' })).toHaveLength(1);
    expect(ring.recent({ text: 'dhcp SERVER' }).map((e) => e.message)).toEqual(['Another DHCP server answered']);
  });

  it('applies the limit after the filter', () => {
    const ring = new LogRing(100);
    for (let i = 0; i < 20; i++) ring.add(entry(i, { level: i % 2 ? 'warn' : 'info' }));
    expect(ring.recent({ minLevel: 'warn', limit: 2 }).map((e) => e.message)).toEqual(['line 17', 'line 19']);
  });

  it('empties on clear', () => {
    const ring = new LogRing(3);
    ring.add(entry(1));
    ring.clear();
    expect(ring.recent()).toEqual([]);
    expect(ring.size).toBe(0);
  });
});
