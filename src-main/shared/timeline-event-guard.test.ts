import { describe, expect, it } from 'vitest';
import { checkedClientDetail, isTimelineEvent, parseEventLine, timelineEventProblem } from './timeline-event-guard.ts';

const TS = '2026-01-01T00:00:00.000Z';

describe('timeline event check', () => {
  it('accepts each kind with the fields it requires', () => {
    expect(timelineEventProblem({ ts: TS, kind: 'dhcp.discover', client: '52:54:00:12:34:56', pxe: true, ipxe: false, xid: 1, from: '0.0.0.0:68', arch: 7 })).toBeUndefined();
    expect(timelineEventProblem({ ts: TS, kind: 'http.done', ip: '198.18.0.5', path: '/k', bytes: 10, status: 200, query: { mac: 'x' } })).toBeUndefined();
    expect(timelineEventProblem({ ts: TS, kind: 'boot.script', images: ['a'], via: 'http' })).toBeUndefined();
    expect(timelineEventProblem({ ts: TS, kind: 'nbd.disconnect', export: 'a', bytes: 5, reason: 'disc' })).toBeUndefined();
    expect(timelineEventProblem({ ts: TS, kind: 'client.stalled', client: 'm', code: 'transfer-stalled', hint: 'h', params: {}, lastStage: 'kernel', source: 'timeline' })).toBeUndefined();
    expect(timelineEventProblem({ ts: TS, kind: 'server.warning', message: 'm', source: 'dhcp' })).toBeUndefined();
  });

  it.each([
    [null, 'not an object'],
    [{ ts: 'yesterday', kind: 'dhcp.discover' }, 'ts is not an ISO time'],
    [{ ts: TS, kind: 'dhcp.bogus' }, 'unknown kind "dhcp.bogus"'],
    [{ ts: TS, kind: 'tftp.start', client: 42, path: '/x' }, 'client is not a string'],
    [{ ts: TS, kind: 'dhcp.discover', client: 'm', ipxe: false, xid: 1, from: 'f' }, 'dhcp.discover: pxe is not a boolean'],
    [{ ts: TS, kind: 'http.done', path: '/k', bytes: '10' }, 'http.done: bytes is not a number'],
    [{ ts: TS, kind: 'client.stalled', client: 'm', code: 'nonsense', hint: 'h', params: {}, lastStage: 'kernel', source: 'timeline' }, 'client.stalled: unknown code "nonsense"'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(timelineEventProblem(raw)).toBe(reason);
    expect(isTimelineEvent(raw)).toBe(false);
  });

  it('reads an --events line, or says why it is none', () => {
    const reasons: string[] = [];
    expect(parseEventLine(`{"ts":"${TS}","client":"52:54:00:12:34:56","ip":"198.18.0.5","kind":"tftp.done","path":"/undionly.kpxe","bytes":5}`)).toMatchObject({ kind: 'tftp.done', bytes: 5 });
    expect(parseEventLine('{not json', (r) => reasons.push(r))).toBeUndefined();
    expect(parseEventLine('{"ts":"x"}', (r) => reasons.push(r))).toBeUndefined();
    expect(reasons[0]).toMatch(/^not JSON/);
    expect(reasons[1]).toBe('ts is not an ISO time');
  });

  it('leaves out of a client detail the events that are none', () => {
    const detail = { mac: 'm', events: [{ ts: TS, kind: 'tftp.start', path: '/a' }, { kind: 'junk' }] };
    expect(checkedClientDetail(detail).events).toEqual([{ ts: TS, kind: 'tftp.start', path: '/a' }]);
    expect(checkedClientDetail(null)).toBeNull();
  });
});
