import { describe, expect, it } from 'vitest';
import type { DhcpClientRef, DhcpServerEvents } from '../../servers/dhcp/dhcp-events.ts';
import type { TftpServerEvents } from '../../servers/tftp/tftp-events.ts';
import { Emitter } from '../../shared/emitter.ts';
import type { TimelineEvent } from '../../shared/timeline-event.ts';
import { ClientIdentity } from '../client-identity.ts';
import { ClientTimeline } from './client-timeline.ts';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { ServerEventMapper } from './server-event-mapper.ts';
import { TimelineFeed } from './timeline-feed.ts';

const MAC = '52:54:00:12:34:56';
const ref: DhcpClientRef = { mac: MAC, xid: 1, arch: 7, archName: 'EFI BC (x86-64)', firmware: 'uefi', pxe: true, ipxe: false, vendorClass: 'PXEClient:Arch:00007:UNDI:003016', from: '0.0.0.0:68' };

function setup(sinks: ((e: TimelineEvent) => void)[] = []) {
  const clock = new FakeClock();
  const timeline = new ClientTimeline({ clock });
  const identity = new ClientIdentity({ now: () => clock.now(), neighbours: () => [] });
  const errors: unknown[] = [];
  const feed = new TimelineFeed({ identity, timeline, mapper: new ServerEventMapper({ now: () => clock.now() }), sinks, onSinkError: (e) => errors.push(e) });
  return { clock, timeline, feed, errors };
}

describe('TimelineFeed', () => {
  it('delivers the timeline’s own verdicts to the sinks, after the events that led to them', () => {
    const got: TimelineEvent[] = [];
    const { clock, feed } = setup([(e) => got.push(e)]);
    const dhcp = new Emitter<DhcpServerEvents>();
    feed.attachDhcp(dhcp);
    dhcp.emit('discover', ref);
    dhcp.emit('offer', { ...ref, ip: '198.18.0.50', boot: { bootFile: 'ipxe.efi' } });
    clock.advance(10_000);
    expect(got.map((e) => e.kind)).toEqual(['dhcp.discover', 'dhcp.offer', 'client.stalled']);
    expect(got[2]).toMatchObject({ client: MAC, code: 'no-tftp-after-offer' });
  });

  it('attributes TFTP requests through what DHCP taught the identity table', () => {
    const got: TimelineEvent[] = [];
    const { feed, timeline } = setup([(e) => got.push(e)]);
    const dhcp = new Emitter<DhcpServerEvents>();
    const tftp = new Emitter<TftpServerEvents>();
    feed.attachDhcp(dhcp);
    feed.attachTftp(tftp);
    dhcp.emit('ack', { ...ref, ip: '198.18.0.50', leaseSeconds: 600, boot: { bootFile: 'ipxe.efi' } });
    tftp.emit('transfer.start', { id: 't1', remoteAddress: '198.18.0.50', remotePort: 1234, path: '/ipxe.efi', mode: 'octet', options: { blksize: 1468, windowsize: 4, timeoutMs: 1000, oack: true }, size: 1000 });
    expect(got.at(-1)).toMatchObject({ kind: 'tftp.start', client: MAC });
    expect(timeline.get(MAC)!.stage).toBe('firstStage');
  });

  it('keeps delivering to the other sinks when one throws', () => {
    const got: string[] = [];
    const { feed, errors } = setup([
      () => {
        throw new Error('disk full');
      },
      (e) => got.push(e.kind),
    ]);
    feed.push({ ts: new Date().toISOString(), kind: 'dhcp.discover', client: MAC, pxe: true, ipxe: false, xid: 1, from: '0.0.0.0:68' });
    expect(got).toEqual(['dhcp.discover']);
    expect(errors).toHaveLength(1);
  });

  it('stops listening to a server once its handle is disposed, and to all on dispose', () => {
    const got: string[] = [];
    const { feed } = setup([(e) => got.push(e.kind)]);
    const a = new Emitter<DhcpServerEvents>();
    const b = new Emitter<DhcpServerEvents>();
    const handle = feed.attachDhcp(a);
    feed.attachDhcp(b);
    handle.dispose();
    a.emit('discover', ref);
    expect(got).toEqual([]);
    b.emit('discover', ref);
    expect(got).toEqual(['dhcp.discover']);
    feed.dispose();
    b.emit('discover', ref);
    expect(got).toEqual(['dhcp.discover']);
    expect(b.listenerCount('discover')).toBe(0);
  });
});
