import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../src-main/engine/timeline/clock.ts';
import type { TimelineEvent } from '../../src-main/shared/timeline-event.ts';
import { readEventLine } from './timeline-events.ts';

/**
 * Real boots recorded by the e2e test (`BOOTCAST_RECORD_EVENTS=DIR npx vitest run --config
 * vitest.e2e.config.ts test/e2e/pxe-boot.test.ts`), one client's lines of the `--events` file
 * each, without the timeline's own verdicts (a replay derives those again):
 *   bios-full-dhcp: SeaBIOS + iPXE ROM, full DHCP, archiso-layout test ISO, HTTP kernel/initrd;
 *   uefi-full-dhcp: OVMF's PXE, TFTP snponly.efi (after a tsize probe), then the same over HTTP.
 * Both end with the booted initramfs doing its own DHCP and fetching the test marker.
 */
export const RECORDED_BOOTS = {
  bios: { file: 'bios-full-dhcp.jsonl', mac: '52:54:00:e2:e0:01' },
  uefi: { file: 'uefi-full-dhcp.jsonl', mac: '52:54:00:e2:e0:02' },
} as const;

export type RecordedBoot = keyof typeof RECORDED_BOOTS;

/** The recorded events, each checked against the union on the way in (the file boundary). */
export function recordedBoot(name: RecordedBoot): TimelineEvent[] {
  const text = readFileSync(join(import.meta.dirname, 'recorded-boots', RECORDED_BOOTS[name].file), 'utf8');
  return text.trim().split('\n').map((line) => readEventLine(line));
}

/**
 * Feeds events to `ingest` at their recorded pace: the clock is moved to each event's time
 * first, so timers (stall and done verdicts) fire as they would have live.
 */
export function replayAtRecordedPace(events: readonly TimelineEvent[], clock: Clock & { advance(ms: number): void }, ingest: (e: TimelineEvent) => void): void {
  for (const e of events) {
    const wait = Date.parse(e.ts) - clock.now();
    if (wait > 0) clock.advance(wait);
    ingest(e);
  }
}
