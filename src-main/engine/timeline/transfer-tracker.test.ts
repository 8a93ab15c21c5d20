import { describe, expect, it } from 'vitest';
import { TransferTracker } from './transfer-tracker.ts';

describe('TransferTracker', () => {
  it('measures throughput over the last few seconds, so a slowdown shows', () => {
    const tr = new TransferTracker();
    tr.start({ protocol: 'http', path: '/k', t: 0, total: 100_000_000 });
    for (let s = 1; s <= 10; s++) tr.progress({ protocol: 'http', path: '/k', t: s * 1000, bytes: s * 10_000_000 });
    expect(tr.current()!.bytesPerSecond).toBe(10_000_000);
    // Slows to 1 MB/s.
    for (let s = 11; s <= 15; s++) tr.progress({ protocol: 'http', path: '/k', t: s * 1000, bytes: 100_000_000 + (s - 10) * 1_000_000 });
    expect(tr.current()!.bytesPerSecond).toBe(1_000_000);
  });

  it('reports a finished transfer with its average rate from the server’s duration', () => {
    const tr = new TransferTracker();
    tr.start({ protocol: 'tftp', path: '/undionly.kpxe', t: 0 });
    tr.done({ protocol: 'tftp', path: '/undionly.kpxe', t: 500, bytes: 70_000, total: 70_000, durationMs: 350 });
    expect(tr.current()).toEqual({ protocol: 'tftp', path: '/undionly.kpxe', bytes: 70_000, total: 70_000, bytesPerSecond: 200_000 });
    expect(tr.active()).toEqual([]);
  });

  it('lists transfers in flight, least recently progressing first', () => {
    const tr = new TransferTracker();
    tr.start({ protocol: 'http', path: '/a', t: 0 });
    tr.start({ protocol: 'http', path: '/b', t: 10 });
    tr.progress({ protocol: 'http', path: '/a', t: 20, bytes: 5 });
    expect(tr.active().map((t) => t.path)).toEqual(['/b', '/a']);
    tr.fail({ protocol: 'http', path: '/b', t: 30 });
    expect(tr.active().map((t) => t.path)).toEqual(['/a']);
  });

  it('keeps overlapping requests for one path apart by transfer id', () => {
    const tr = new TransferTracker();
    tr.start({ protocol: 'http', path: '/k', t: 0, transferId: '1' });
    tr.start({ protocol: 'http', path: '/k', t: 0, transferId: '2' });
    tr.done({ protocol: 'http', path: '/k', t: 5, transferId: '1', bytes: 10 });
    expect(tr.active().map((t) => t.key)).toEqual(['http#2']);
  });

  it('does not count repeated progress without new bytes as progress', () => {
    const tr = new TransferTracker();
    tr.start({ protocol: 'http', path: '/k', t: 0 });
    tr.progress({ protocol: 'http', path: '/k', t: 100, bytes: 50 });
    tr.progress({ protocol: 'http', path: '/k', t: 5000, bytes: 50 });
    expect(tr.active()[0]!.lastProgressAt).toBe(100);
  });

  it('accepts a done it saw no start for', () => {
    const tr = new TransferTracker();
    tr.done({ protocol: 'http', path: '/x', t: 1000, bytes: 2000, durationMs: 1000 });
    expect(tr.current()).toMatchObject({ path: '/x', bytes: 2000, bytesPerSecond: 2000 });
  });

  it('stays bounded when starts never get their done', () => {
    const tr = new TransferTracker();
    for (let i = 0; i < 1000; i++) tr.start({ protocol: 'http', path: `/f${i}`, t: i, transferId: String(i) });
    const active = tr.active();
    expect(active.length).toBeLessThanOrEqual(48);
    // The newest are kept.
    expect(active.at(-1)!.path).toBe('/f999');
  });
});
