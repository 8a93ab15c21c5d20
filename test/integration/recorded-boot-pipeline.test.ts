import { describe, expect, it } from 'vitest';
import { ClientTimeline } from '../../src-main/engine/timeline/client-timeline.ts';
import { formatEventLine } from '../../src-main/engine/event-lines.ts';
import { parseEventLine } from '../../src-main/shared/timeline-event-guard.ts';
import type { ClientStage, ClientSummary } from '../../src-main/shared/api.ts';
import { timelineRows } from '../../src-renderer/timeline/timeline-rows.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { RECORDED_BOOTS, recordedBoot, replayAtRecordedPace, type RecordedBoot } from '../support/recorded-boots.ts';

const KERNEL = '/images/archlinux-e2e/arch/boot/x86_64/vmlinuz-linux';
const INITRD = '/images/archlinux-e2e/arch/boot/x86_64/initramfs-linux.img';

/** A recorded real boot, through every step a live one takes: the events-file guard, the timeline, its summaries, the renderer's rows. */
function replay(name: RecordedBoot) {
  const { mac } = RECORDED_BOOTS[name];
  // Through the file boundary again, as the headless host's events file and the UI's socket carry them.
  const events = recordedBoot(name).map((e) => parseEventLine(formatEventLine(e))!);
  const clock = new FakeClock(events[0]!.ts);
  const timeline = new ClientTimeline({ clock });
  const updates: ClientSummary[] = [];
  timeline.events.on('updated', (s) => updates.push(s));
  replayAtRecordedPace(events, clock, (e) => timeline.ingest(e));
  clock.advance(timeline.thresholds.doneQuietMs);
  const detail = timeline.get(mac)!;
  const stages = updates.map((u) => u.stage).filter((s, i, all) => s !== all[i - 1]);
  const rows = timelineRows(detail.events, detail.firstSeen);
  const delivered = events.filter((e) => (e.kind === 'http.done' || e.kind === 'tftp.done') && e.outcome === 'complete');
  return { events, detail, stages, rows, delivered, last: events.at(-1)! };
}

describe('a recorded real boot through the pipeline', () => {
  it.each([
    ['bios', 'bios', ['dhcp', 'ipxe', 'kernel', 'live', 'done']],
    ['uefi', 'uefi', ['dhcp', 'firstStage', 'ipxe', 'kernel', 'live', 'done']],
  ] as const)('%s: the summary names the image and plan, times the boot and adds up what it downloaded', (name, firmware, expectedStages) => {
    const { events, detail, stages, delivered, last } = replay(name);
    expect(stages).toEqual(expectedStages satisfies readonly ClientStage[]);
    expect(detail).toMatchObject({ stage: 'done', firmware, image: 'archlinux-e2e', plan: 'http', ip: events.find((e) => e.ip)!.ip });
    const bytes = delivered.reduce((n, e) => n + ('bytes' in e ? e.bytes ?? 0 : 0), 0);
    // The kernel and initrd are most of it; the TFTP tsize probe (UEFI) delivered nothing.
    expect(bytes).toBeGreaterThan(8_222_656 + 1_406_847);
    expect(detail.boot).toMatchObject({
      startedAt: events[0]!.ts,
      endedAt: last.ts,
      durationMs: Date.parse(last.ts) - Date.parse(events[0]!.ts),
      bytes,
    });
    // Over the time spent downloading (well under a second here), not over the minute the boot took.
    expect(detail.boot!.bytesPerSecond).toBeGreaterThan((bytes * 1000) / 2000);
    expect(detail.boot!.durationMs).toBeGreaterThan(30_000);
  });

  it.each(['bios', 'uefi'] as const)('%s: the timeline rows go DHCP, script, kernel, initrd, marker, done, in order', (name) => {
    const { rows } = replay(name);
    const at = (kind: string, path?: string) => rows.findIndex((r) => r.kind === kind && (path === undefined || r.path === path));
    const order = [at('dhcp.discover'), at('dhcp.ack'), at('http.done', '/boot.ipxe'), at('http.done', KERNEL), at('http.done', INITRD), at('client.done')];
    expect(order.every((i) => i >= 0), `rows: ${rows.map((r) => r.kind).join(' ')}`).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    if (name === 'uefi') expect(rows[at('tftp.done')]).toMatchObject({ path: '/snponly.efi', bytes: 0 });
    const kernel = rows[at('http.done', KERNEL)]!;
    expect(kernel).toMatchObject({ bytes: 8_222_656, tone: 'http' });
    expect(kernel.bytesPerSecond).toBeGreaterThan(0);
    // Progress rows of one download fold into one; offsets run from the first packet.
    expect(rows.filter((r) => r.kind === 'http.progress' && r.path === KERNEL).length).toBeLessThanOrEqual(1);
    expect(rows[0]!.offsetMs).toBe(0);
    expect(rows.at(-1)).toMatchObject({ kind: 'client.done', note: 'quiet' });
  });
});
