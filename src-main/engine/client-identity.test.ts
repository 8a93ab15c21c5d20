import { describe, expect, it } from 'vitest';
import { testEvent } from '../../test/support/timeline-events.ts';
import { macFromQuery } from '../shared/mac.ts';
import { isTimelineEvent } from '../shared/timeline-event-guard.ts';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { ClientIdentity } from './client-identity.ts';
import { parseProcNetArp } from './neighbour-table.ts';

const MAC = '52:54:00:12:34:56';
const OTHER = '08:00:27:aa:bb:cc';
const ARP = (rows: string[]) => 'IP address       HW type     Flags       HW address            Mask     Device\n' + rows.join('\n') + '\n';

function setup(opts: { arp?: string; ttlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  let reads = 0;
  let arp = opts.arp ?? '';
  const id = new ClientIdentity({
    now: () => now,
    ttlMs: opts.ttlMs ?? 60_000,
    maxEntries: opts.maxEntries,
    neighbourRefreshMs: 1000,
    neighbours: () => {
      reads++;
      return parseProcNetArp(arp);
    },
  });
  return {
    id,
    advance: (ms: number) => (now += ms),
    setArp: (text: string) => (arp = text),
    reads: () => reads,
  };
}

const ev = (kind: TimelineEvent['kind'], extra: Record<string, unknown> = {}): TimelineEvent => testEvent(kind, extra);

describe('macFromQuery', () => {
  it.each([
    ['mac=52:54:00:12:34:56', MAC],
    ['mac=52-54-00-12-34-56', MAC],
    ['mac=525400123456', MAC],
    ['MAC=52:54:00:12:34:56', MAC],
    ['BOOTIF=01-52-54-00-12-34-56', MAC],
    ['mac=nonsense&BOOTIF=01-52-54-00-12-34-56', MAC],
    ['mac=', undefined],
    ['arch=x86_64', undefined],
    ['mac=52:54:00:12:34', undefined],
  ])('reads %s', (query, expected) => {
    const q = new URLSearchParams(query);
    expect(macFromQuery((k: string) => q.get(k))).toBe(expected);
  });
});

describe('ClientIdentity', () => {
  it('learns from our DHCP answers and attributes later TFTP requests', () => {
    const { id } = setup();
    id.learnFromEvent(ev('dhcp.ack', { client: MAC, ip: '198.18.0.50' }));
    const tftp = ev('tftp.start', { ip: '198.18.0.50', path: '/undionly.kpxe' });
    expect(id.attribute(tftp)).toEqual({ ...tftp, client: MAC });
  });

  it('learns from proxy answers that carry the client address', () => {
    const { id } = setup();
    id.learnFromEvent(ev('dhcp.proxy', { client: '52-54-00-12-34-56', ip: '198.18.0.77' }));
    expect(id.resolve('198.18.0.77')).toBe(MAC);
  });

  it('takes the MAC iPXE states in its request, and remembers it for the address', () => {
    const { id } = setup();
    const script = ev('http.start', { ip: '198.18.0.60', path: '/boot.ipxe', query: { mac: '52-54-00-12-34-56', arch: 'x86_64' } });
    expect(id.attribute(script).client).toBe(MAC);
    expect(id.lookup('198.18.0.60')).toMatchObject({ mac: MAC, source: 'ipxe' });
    expect(id.attribute(ev('http.start', { ip: '198.18.0.60', path: '/k' })).client).toBe(MAC);
  });

  it('falls back to the neighbour table, read at most once per refresh interval', () => {
    const t = setup({ arp: ARP(['198.18.0.70      0x1         0x2         52:54:00:12:34:56     *        br0']) });
    expect(t.id.resolve('198.18.0.70')).toBe(MAC);
    expect(t.id.resolve('198.18.0.71')).toBeUndefined();
    expect(t.id.resolve('198.18.0.72')).toBeUndefined();
    expect(t.reads()).toBe(1);
    t.setArp(ARP(['198.18.0.71      0x1         0x2         08:00:27:aa:bb:cc     *        br0']));
    t.advance(1000);
    expect(t.id.resolve('198.18.0.71')).toBe(OTHER);
    expect(t.reads()).toBe(2);
  });

  it('lets a fresh DHCP mapping override the neighbour table, but not the other way round', () => {
    const t = setup({ arp: ARP(['198.18.0.90 0x1 0x2 08:00:27:aa:bb:cc * br0']) });
    t.id.learn('198.18.0.90', MAC, 'dhcp');
    expect(t.id.resolve('198.18.0.90')).toBe(MAC);
    expect(t.id.learn('198.18.0.90', OTHER, 'neighbour')).toBe(false);
    expect(t.id.learn('198.18.0.90', OTHER, 'ipxe')).toBe(false);
    expect(t.id.resolve('198.18.0.90')).toBe(MAC);
    expect(t.id.learn('198.18.0.90', OTHER, 'dhcp')).toBe(true);
    expect(t.id.resolve('198.18.0.90')).toBe(OTHER);
  });

  it('lets a weaker source take over once the stronger mapping expired', () => {
    const t = setup({ ttlMs: 10_000 });
    t.id.learn('198.18.0.91', MAC, 'dhcp');
    t.advance(10_000);
    expect(t.id.learn('198.18.0.91', OTHER, 'ipxe')).toBe(true);
    expect(t.id.resolve('198.18.0.91')).toBe(OTHER);
  });

  it('forgets mappings when they expire', () => {
    const t = setup({ ttlMs: 10_000 });
    t.id.learn('198.18.0.92', MAC, 'dhcp');
    t.advance(9_999);
    expect(t.id.lookup('198.18.0.92')?.mac).toBe(MAC);
    t.advance(1);
    expect(t.id.lookup('198.18.0.92')).toBeUndefined();
    expect(t.id.resolve('198.18.0.92')).toBeUndefined();
  });

  it('uses the lease time of a DHCP ack as the mapping lifetime', () => {
    const t = setup({ ttlMs: 10_000 });
    t.id.learnFromEvent(ev('dhcp.ack', { client: MAC, ip: '198.18.0.93', leaseSeconds: 3600 }));
    t.advance(3_599_000);
    expect(t.id.resolve('198.18.0.93')).toBe(MAC);
    t.advance(1000);
    expect(t.id.lookup('198.18.0.93')).toBeUndefined();
  });

  it('forgets an address the client releases', () => {
    const { id } = setup();
    id.learnFromEvent(ev('dhcp.ack', { client: MAC, ip: '198.18.0.94' }));
    id.learnFromEvent(ev('dhcp.release', { client: MAC, ip: '198.18.0.94' }));
    expect(id.lookup('198.18.0.94')).toBeUndefined();
  });

  it('stays within its bound, dropping the least recently learned', () => {
    const t = setup({ maxEntries: 3 });
    for (let i = 1; i <= 4; i++) t.id.learn(`198.18.1.${i}`, `52:54:00:00:00:0${i}`, 'dhcp');
    expect(t.id.size).toBe(3);
    expect(t.id.lookup('198.18.1.1')).toBeUndefined();
    expect(t.id.lookup('198.18.1.4')?.mac).toBe('52:54:00:00:00:04');
  });

  it('refuses nonsense', () => {
    const { id } = setup();
    expect(id.learn('0.0.0.0', MAC, 'dhcp')).toBe(false);
    expect(id.learn('not-an-ip', MAC, 'dhcp')).toBe(false);
    expect(id.learn('198.18.0.1', 'zz', 'dhcp')).toBe(false);
    expect(id.size).toBe(0);
  });

  it('leaves an event alone when it already names its client or nobody knows the address', () => {
    const { id } = setup();
    const named = ev('tftp.start', { client: MAC, ip: '198.18.0.99' });
    expect(id.attribute(named)).toBe(named);
    const unknown = ev('tftp.start', { ip: '198.18.0.98' });
    expect(id.attribute(unknown)).toBe(unknown);
  });

  it('keeps working when the neighbour table cannot be read', () => {
    const id = new ClientIdentity({
      neighbours: () => {
        throw new Error('EACCES');
      },
    });
    expect(id.resolve('198.18.0.97')).toBeUndefined();
  });
});

describe('ClientIdentity under random events', () => {
  it('never throws on events that passed the boundary check', () => {
    let s = 0x1234567;
    const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 2 ** 32);
    const junk = () => [undefined, null, 0, 42, '', 'x', '198.18.0.5', MAC, {}, [], { mac: 5 }, new URLSearchParams('mac=01-52-54-00-12-34-56'), true][Math.floor(rnd() * 13)];
    const kinds = ['dhcp.ack', 'dhcp.offer', 'dhcp.release', 'http.start', 'tftp.start', 'nbd.connect'] as const;
    const { id } = setup({ arp: ARP(['198.18.0.5 0x1 0x2 52:54:00:12:34:56 * br0']) });
    for (let i = 0; i < 5000; i++) {
      const e: unknown = { ...testEvent(kinds[Math.floor(rnd() * kinds.length)]!), client: junk(), ip: junk(), query: junk(), leaseSeconds: junk() };
      if (isTimelineEvent(e)) expect(() => id.attribute(e)).not.toThrow();
    }
    expect(id.resolve('198.18.0.5')).toMatch(/^[0-9a-f:]{17}$/);
  });
});
