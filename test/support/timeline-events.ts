import { parseEventLine } from '../../src-main/shared/timeline-event-guard.ts';
import type { TimelineEvent, TimelineKind } from '../../src-main/shared/timeline-event.ts';

/**
 * Test events of any kind with the fields a kind requires filled in when the test does not care:
 * a DHCP step from PXE firmware unless it says otherwise, a script that lists no images.
 */
export function requiredDefaults(kind: TimelineKind): Record<string, unknown> {
  if (kind.startsWith('dhcp.')) return { pxe: true, ipxe: false, xid: 1, from: '0.0.0.0:68' };
  if (kind.startsWith('tftp.') || kind.startsWith('http.')) return { path: '' };
  if (kind === 'boot.script') return { images: [] };
  if (kind === 'nat.changed' || kind === 'server.notice' || kind === 'server.warning') return { message: '' };
  return {};
}

export function testEvent(kind: TimelineKind, fields: Record<string, unknown> = {}, ts = '2026-01-01T00:00:00.000Z'): TimelineEvent {
  return { ts, kind, ...requiredDefaults(kind), ...fields } as TimelineEvent;
}

/** One line of an `--events` file, checked against the union: a line that is no event fails the test with the reason. */
export function readEventLine(line: string): TimelineEvent {
  const event = parseEventLine(line, (reason) => {
    throw new Error(`events file line is no timeline event (${reason}): ${line}`);
  });
  return event!;
}
