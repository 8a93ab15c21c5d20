import { describe, expect, it } from 'vitest';
import type { DhcpStepEvent } from '../../shared/timeline-event.ts';
import { BoundedEventList } from './bounded-event-list.ts';

const e = (n: number): DhcpStepEvent => ({ ts: new Date(n).toISOString(), kind: 'dhcp.inform', client: '52:54:00:12:34:56', pxe: false, ipxe: false, xid: n, from: '0.0.0.0:68' });
const n = (x: unknown): number => (x as DhcpStepEvent).xid;

describe('BoundedEventList', () => {
  it('keeps everything below the bound, in time order', () => {
    const list = new BoundedEventList(10, 3);
    for (const n of [1, 2, 5, 3, 4]) list.push(e(n), n);
    expect(list.toArray().map(n)).toEqual([1, 2, 3, 4, 5]);
    expect(list.total).toBe(5);
    expect(list.omitted).toBe(0);
  });

  it('drops from the middle: the first events and the latest stay', () => {
    const list = new BoundedEventList(6, 2);
    for (let n = 0; n < 20; n++) list.push(e(n), n);
    expect(list.toArray().map(n)).toEqual([0, 1, 16, 17, 18, 19]);
    expect(list.total).toBe(20);
    expect(list.omitted).toBe(14);
    expect(list.length).toBe(6);
  });

  it('places a late event among the first ones while nothing has been dropped', () => {
    const list = new BoundedEventList(10, 2);
    list.push(e(1), 1);
    list.push(e(3), 3);
    list.push(e(4), 4);
    list.push(e(2), 2);
    expect(list.toArray().map(n)).toEqual([1, 2, 3, 4]);
  });

  it('replaces the newest event in place', () => {
    const list = new BoundedEventList(5, 1);
    list.push(e(1), 1);
    list.push(e(2), 2);
    list.replaceLast(e(3), 3);
    expect(list.toArray().map(n)).toEqual([1, 3]);
    expect(list.total).toBe(2);
    expect(n(list.last)).toBe(3);
    expect(n(list.beforeLast)).toBe(1);
  });

  it('rejects a bound that cannot hold its first events', () => {
    expect(() => new BoundedEventList(3, 3)).toThrow(RangeError);
    expect(() => new BoundedEventList(0, 0)).toThrow(/keepFirst/);
  });
});
