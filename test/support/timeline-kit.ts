import type { ClientSummary } from '../../src-main/shared/api.ts';
import type { TimelineEvent, TimelineKind } from '../../src-main/shared/timeline-event.ts';
import { ClientTimeline, type ClientTimelineOptions, type DoneNotice, type StalledNotice } from '../../src-main/engine/timeline/client-timeline.ts';
import { FakeClock } from './fake-clock.ts';
import { testEvent } from './timeline-events.ts';

/** A timeline on a fake clock, with every notification it sends captured. */
export function timelineKit(opts: Omit<ClientTimelineOptions, 'clock'> = {}) {
  const clock = new FakeClock();
  const timeline = new ClientTimeline({ ...opts, clock });
  const updates: ClientSummary[] = [];
  const stalls: StalledNotice[] = [];
  const dones: DoneNotice[] = [];
  const evicted: string[] = [];
  timeline.events.on('updated', (s) => updates.push(s));
  timeline.events.on('stalled', (s) => stalls.push(s));
  timeline.events.on('done', (d) => dones.push(d));
  timeline.events.on('evicted', (e) => evicted.push(e.mac));

  const MAC = '52:54:00:12:34:56';
  /** An event stamped with the fake clock's current time, from MAC unless `client` says otherwise. */
  const ev = (kind: TimelineKind, details: Record<string, unknown> = {}): TimelineEvent => testEvent(kind, { client: MAC, ...details }, clock.iso());
  /** Ingests the event, then lets `afterMs` pass. */
  const feed = (kind: TimelineKind, details: Record<string, unknown> = {}, afterMs = 0): ClientSummary | undefined => {
    const s = timeline.ingest(ev(kind, details));
    if (afterMs) clock.advance(afterMs);
    return s;
  };
  const stage = (mac = MAC) => timeline.get(mac)?.stage;

  /** The PXE firmware part of a BIOS boot in full DHCP mode, ending with the loader sent. */
  const pxeToLoader = () => {
    feed('dhcp.discover', { pxe: true, ipxe: false, arch: 0 }, 5);
    feed('dhcp.offer', { ip: '198.18.0.50' }, 900);
    feed('dhcp.request', { pxe: true, ipxe: false }, 5);
    feed('dhcp.ack', { ip: '198.18.0.50' }, 50);
    feed('tftp.start', { ip: '198.18.0.50', path: '/undionly.kpxe', total: 70_000 }, 300);
    feed('tftp.done', { ip: '198.18.0.50', path: '/undionly.kpxe', bytes: 70_000, total: 70_000, durationMs: 300 }, 10);
  };
  /** iPXE coming up after the loader and fetching its script. */
  const ipxeToScript = (details: Record<string, unknown> = {}) => {
    feed('dhcp.discover', { pxe: true, ipxe: true }, 5);
    feed('dhcp.offer', { ip: '198.18.0.50', ipxe: true }, 900);
    feed('dhcp.request', { pxe: true, ipxe: true }, 5);
    feed('dhcp.ack', { ip: '198.18.0.50', ipxe: true }, 50);
    const query = { mac: MAC, arch: 'i386', platform: 'pcbios' };
    feed('http.start', { ip: '198.18.0.50', path: '/boot.ipxe', query }, 5);
    feed('boot.script', { ip: '198.18.0.50', image: 'archlinux-2026.11.01-x86_64.iso', via: 'http', ...details }, 0);
    feed('http.done', { ip: '198.18.0.50', path: '/boot.ipxe', bytes: 800, status: 200, durationMs: 2 }, 100);
  };
  const KERNEL = '/images/arch/arch/boot/x86_64/vmlinuz-linux';
  const INITRD = '/images/arch/arch/boot/x86_64/initramfs-linux.img';
  /** Kernel and initrd fetched over HTTP. */
  const kernelAndInitrd = () => {
    feed('http.start', { ip: '198.18.0.50', path: KERNEL, total: 12_000_000 }, 1000);
    feed('http.done', { ip: '198.18.0.50', path: KERNEL, bytes: 12_000_000, total: 12_000_000, durationMs: 1000 }, 5);
    feed('http.start', { ip: '198.18.0.50', path: INITRD, total: 30_000_000 }, 2000);
    feed('http.done', { ip: '198.18.0.50', path: INITRD, bytes: 30_000_000, total: 30_000_000, durationMs: 2000 }, 5);
  };

  return { clock, timeline, updates, stalls, dones, evicted, MAC, ev, feed, stage, pxeToLoader, ipxeToScript, kernelAndInitrd, KERNEL, INITRD };
}
