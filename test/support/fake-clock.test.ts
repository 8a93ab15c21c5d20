import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';

describe('FakeClock', () => {
  it('fires timers in due order with the clock set to each due time', () => {
    const clock = new FakeClock(1000);
    const fired: [string, number][] = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 20);
    clock.setTimer(() => fired.push(['a', clock.now()]), 10);
    clock.setTimer(() => fired.push(['c', clock.now()]), 20);
    clock.advance(15);
    expect(fired).toEqual([['a', 1010]]);
    clock.advance(100);
    expect(fired).toEqual([['a', 1010], ['b', 1020], ['c', 1020]]);
    expect(clock.now()).toBe(1115);
  });

  it('runs timers that timers schedule within the same advance, and not cleared ones', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const cleared = clock.setTimer(() => fired.push(-1), 5);
    clock.setTimer(() => clock.setTimer(() => fired.push(clock.now()), 10), 10);
    clock.clearTimer(cleared);
    clock.advance(20);
    expect(fired).toEqual([20]);
    expect(clock.pendingTimers).toBe(0);
  });
});
