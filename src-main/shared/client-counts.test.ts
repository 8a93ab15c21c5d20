import { describe, expect, it } from 'vitest';
import { bootStateOf, countBootStates } from './client-counts.ts';

describe('client counts', () => {
  it('counts every stage before done as booting, done as done and stalled as stuck', () => {
    expect(['dhcp', 'firstStage', 'ipxe', 'kernel', 'live'].map((s) => bootStateOf(s as 'dhcp'))).toEqual(Array(5).fill('booting'));
    const list = [{ stage: 'live' }, { stage: 'done' }, { stage: 'stalled' }, { stage: 'dhcp' }, { stage: 'done' }] as const;
    expect(countBootStates(list)).toEqual({ booting: 2, done: 2, stuck: 1 });
    expect(countBootStates([])).toEqual({ booting: 0, done: 0, stuck: 0 });
  });
});
