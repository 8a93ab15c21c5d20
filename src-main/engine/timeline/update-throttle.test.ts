import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { UpdateThrottle } from './update-throttle.ts';

describe('UpdateThrottle', () => {
  it('sends the first minor change at once and coalesces the rest into one trailing send per interval', () => {
    const clock = new FakeClock(0);
    const sent: number[] = [];
    const t = new UpdateThrottle<string>(clock, 250, () => sent.push(clock.now()));
    for (let i = 0; i < 60; i++) {
      t.minor('a');
      clock.advance(10);
    }
    clock.advance(1000);
    // Changes at 0…590 ms: at once, then at 250, 500 and a trailing 750 for those after 500.
    expect(sent).toEqual([0, 250, 500, 750]);
  });

  it('keeps keys independent', () => {
    const clock = new FakeClock(0);
    const sent: string[] = [];
    const t = new UpdateThrottle<string>(clock, 250, (k) => sent.push(k));
    t.minor('a');
    t.minor('b');
    t.minor('a');
    expect(sent).toEqual(['a', 'b']);
    clock.advance(250);
    expect(sent).toEqual(['a', 'b', 'a']);
  });

  it('sends an immediate change at once and cancels the pending trailing send', () => {
    const clock = new FakeClock(0);
    const sent: number[] = [];
    const t = new UpdateThrottle<string>(clock, 250, () => sent.push(clock.now()));
    t.minor('a');
    clock.advance(100);
    t.minor('a');
    t.immediate('a');
    clock.advance(1000);
    expect(sent).toEqual([0, 100]);
  });

  it('sends nothing for a forgotten key', () => {
    const clock = new FakeClock(0);
    const sent: string[] = [];
    const t = new UpdateThrottle<string>(clock, 250, (k) => sent.push(k));
    t.minor('a');
    t.minor('a');
    t.forget('a');
    clock.advance(1000);
    expect(sent).toEqual(['a']);
    expect(clock.pendingTimers).toBe(0);
  });
});
