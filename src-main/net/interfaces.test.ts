import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { bootInterfaceChoices, listInterfaces, parseIpJsonAddresses, parseIpRouteDefault, parseProcNetRoute, subnetBroadcast, suggestPxeInterface, type InterfaceSnapshot } from './interfaces.ts';

function v4(address: string, prefix: number, mac = '52:54:00:00:00:01', internal = false): NetworkInterfaceInfo {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const netmask = [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.');
  return { address, netmask, family: 'IPv4', mac, internal, cidr: `${address}/${prefix}` };
}

const PROC_NET_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0
eth0\t0032A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
`;

function laptop(overrides: Partial<InterfaceSnapshot> = {}): InterfaceSnapshot {
  return {
    addresses: {
      lo: [v4('127.0.0.1', 8, '00:00:00:00:00:00', true)],
      wlan0: [v4('192.168.1.23', 24, 'a4:c3:f0:11:22:33')],
      eth0: [v4('192.168.50.1', 24, '8C:16:45:AA:BB:CC')],
      docker0: [v4('172.17.0.1', 16, '02:42:00:00:00:01')],
    },
    names: ['lo', 'wlan0', 'eth0', 'docker0', 'enp0s31f6'],
    operstate: { lo: 'unknown', wlan0: 'up', eth0: 'up', docker0: 'down', enp0s31f6: 'down' },
    wireless: ['wlan0'],
    defaultRoutes: parseProcNetRoute(PROC_NET_ROUTE),
    macs: { enp0s31f6: '8c:16:45:00:00:09' },
    ...overrides,
  };
}

describe('network interfaces', () => {
  it('computes the subnet-directed broadcast address', () => {
    expect(subnetBroadcast('198.18.0.1', 24)).toBe('198.18.0.255');
    expect(subnetBroadcast('198.18.3.7', 22)).toBe('198.18.3.255');
    expect(subnetBroadcast('10.1.2.3', 8)).toBe('10.255.255.255');
    expect(subnetBroadcast('198.18.0.9', 32)).toBe('198.18.0.9');
  });

  it('finds default routes in /proc/net/route and in `ip route` output', () => {
    expect(parseProcNetRoute(PROC_NET_ROUTE)).toEqual(['wlan0']);
    expect(parseIpRouteDefault('default via 198.19.0.1 dev wan0 proto static\n198.18.0.0/24 dev br0 scope link\n')).toEqual(['wan0']);
  });

  it('lists every interface with IPv4 prefix, state, uplink and wireless flags', () => {
    const list = listInterfaces(laptop());
    const eth0 = list.find((i) => i.name === 'eth0')!;
    expect(eth0).toMatchObject({ mac: '8c:16:45:aa:bb:cc', addresses: [{ address: '192.168.50.1', prefixLength: 24 }], up: true, internal: false, defaultRoute: false, wireless: false });
    expect(list.find((i) => i.name === 'wlan0')).toMatchObject({ defaultRoute: true, wireless: true });
    expect(list.find((i) => i.name === 'enp0s31f6')).toMatchObject({ up: false, addresses: [], mac: '8c:16:45:00:00:09' });
    expect(list.find((i) => i.name === 'lo')).toMatchObject({ internal: true, reason: 'loopback' });
  });

  it('offers every interface but loopback as a boot interface, the link-down ones included', () => {
    const names = listInterfaces(laptop()).map((i) => i.name);
    expect(names).toContain('lo');
    expect(bootInterfaceChoices(listInterfaces(laptop())).map((i) => i.name)).toEqual(names.filter((n) => n !== 'lo'));
  });

  it('suggests the wired interface that is not the uplink, and says why the others lost', () => {
    const list = listInterfaces(laptop());
    expect(list.filter((i) => i.suggested).map((i) => i.name)).toEqual(['eth0']);
    expect(list.find((i) => i.name === 'eth0')!.reason).toBe('wired, has 192.168.50.1/24, not the uplink');
    expect(list.find((i) => i.name === 'wlan0')!.reason).toMatch(/wireless/);
    expect(list.find((i) => i.name === 'docker0')!.reason).toBe('link is down');
    expect(list.find((i) => i.name === 'enp0s31f6')!.reason).toBe('link is down');
  });

  it('prefers a wired non-uplink over a wired uplink', () => {
    const s = laptop({ wireless: [], defaultRoutes: ['wlan0'] });
    const list = listInterfaces(s);
    expect(suggestPxeInterface(list).name).toBe('eth0');
    expect(list.find((i) => i.name === 'wlan0')!.reason).toMatch(/carries the default route/);
  });

  it('falls back to the uplink when it is the only usable interface, and says so', () => {
    const s = laptop({ addresses: { lo: [v4('127.0.0.1', 8, '00:00:00:00:00:00', true)], eth0: [v4('192.168.1.5', 24)] }, names: ['lo', 'eth0'], wireless: [], defaultRoutes: ['eth0'], operstate: {} });
    const r = suggestPxeInterface(listInterfaces(s));
    expect(r.name).toBe('eth0');
    expect(r.reason).toMatch(/carries the default route .*proxy mode/);
  });

  it('suggests nothing, with a reason, when no interface has an IPv4 address', () => {
    const s = laptop({ addresses: { lo: [v4('127.0.0.1', 8, '00:00:00:00:00:00', true)] }, names: ['lo', 'eth0'], operstate: { eth0: 'up' } });
    const list = listInterfaces(s);
    expect(suggestPxeInterface(list)).toEqual({ name: null, reason: expect.stringMatching(/no interface is up with an IPv4 address/) });
    expect(list.find((i) => i.name === 'eth0')!.reason).toMatch(/no IPv4 address/);
  });

  it('reads this machine without throwing and marks loopback internal', () => {
    const list = listInterfaces();
    expect(list.find((i) => i.name === 'lo')?.internal ?? true).toBe(true);
  });
});

describe('parseIpJsonAddresses', () => {
  it('reads IPv4 addresses per interface from `ip -j -4 addr show`, including links without carrier', () => {
    const text = JSON.stringify([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      { ifindex: 5, ifname: 'eth1', flags: ['NO-CARRIER', 'BROADCAST', 'UP'], operstate: 'DOWN', addr_info: [{ family: 'inet', local: '198.18.0.1', prefixlen: 24 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
      { ifindex: 6, ifname: 'eth2', addr_info: [] },
    ]);
    expect(parseIpJsonAddresses(text)).toEqual({
      lo: [{ address: '127.0.0.1', prefixLength: 8 }],
      eth1: [{ address: '198.18.0.1', prefixLength: 24 }],
    });
  });
  it('returns nothing for output it cannot read', () => {
    expect(parseIpJsonAddresses('not json')).toEqual({});
    expect(parseIpJsonAddresses('{"a":1}')).toEqual({});
  });
});
