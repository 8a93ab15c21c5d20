import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '@shared/timeline-event.ts';
import { testEvent } from '../../test/support/timeline-events.ts';
import { timelineRows } from './timeline-rows.ts';

const T0 = '2026-11-26T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

describe('timeline rows', () => {
  it('measures every row from the client’s first packet', () => {
    const rows = timelineRows([testEvent('dhcp.offer', {}, at(250)), testEvent('boot.script', {}, at(61_500))], T0);
    expect(rows.map((r) => r.offsetMs)).toEqual([250, 61_500]);
  });

  it('shows the loader an offer named and why that loader', () => {
    const [row] = timelineRows([testEvent('dhcp.offer', { bootFile: 'ipxe.efi', bootReason: 'x86-64 UEFI: ipxe.efi, because the client fetched snponly.efi and asked again' }, at(5))], T0);
    expect(row).toMatchObject({ path: 'ipxe.efi', note: 'x86-64 UEFI: ipxe.efi, because the client fetched snponly.efi and asked again' });
  });

  it('folds the progress of one transfer into a single row with the latest figures', () => {
    const events: TimelineEvent[] = [
      { ts: at(0), kind: 'http.start', path: '/linux' },
      { ts: at(100), kind: 'http.progress', path: '/linux', bytes: 10, total: 100 },
      { ts: at(200), kind: 'http.progress', path: '/initrd', bytes: 5, total: 50 },
      { ts: at(300), kind: 'http.progress', path: '/linux', bytes: 60, total: 100 },
      { ts: at(400), kind: 'http.done', path: '/linux', bytes: 100, durationMs: 400 },
    ];
    const rows = timelineRows(events, T0);
    expect(rows.map((r) => `${r.kind} ${r.path} ${r.bytes ?? ''}`)).toEqual(['http.start /linux ', 'http.progress /linux 60', 'http.progress /initrd 5', 'http.done /linux 100']);
    expect(rows[1]).toMatchObject({ offsetMs: 100, bytes: 60, total: 100 });
    // A finished download shows its average rate.
    expect(rows[3]).toMatchObject({ bytesPerSecond: 250 });
  });

  it('starts a new progress row when the same file is downloaded again', () => {
    const events: TimelineEvent[] = [
      { ts: at(0), kind: 'tftp.progress', path: 'ipxe.efi', bytes: 1 },
      { ts: at(1), kind: 'tftp.error', path: 'ipxe.efi', error: 'timeout' },
      { ts: at(2), kind: 'tftp.progress', path: 'ipxe.efi', bytes: 2 },
    ];
    expect(timelineRows(events, T0).map((r) => r.kind)).toEqual(['tftp.progress', 'tftp.error', 'tftp.progress']);
  });

  it('colours errors and stalls apart from normal steps and keeps the stall’s code and parameters', () => {
    const rows = timelineRows(
      [
        { ts: at(0), kind: 'tftp.error', path: 'x', error: 'file not found' },
        testEvent('client.stalled', { client: '52:54:00:12:34:56', code: 'no-ipxe-after-loader', hint: 'Secure Boot?', params: { seconds: 10 }, lastStage: 'firstStage', source: 'timeline' }, at(1)),
        testEvent('dhcp.ack', { ip: '198.18.0.9' }, at(2)),
      ],
      T0,
    );
    expect(rows.map((r) => r.tone)).toEqual(['error', 'stalled', 'dhcp']);
    expect(rows[0]!.note).toBe('file not found');
    expect(rows[1]).toMatchObject({ stallCode: 'no-ipxe-after-loader', stallParams: { seconds: 10 }, note: 'Secure Boot?' });
  });
});
