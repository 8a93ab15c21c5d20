import { describe, expect, it } from 'vitest';
import { parseIpRouteDefaults } from './linux-backend.ts';
import { parseIpv4Cidr } from './ipv4-cidr.ts';
import { nftRuleset, parseForwardDropChains, parseNftTables } from './linux-nft.ts';

// Recorded on Debian 12 (nftables 1.0.6, iproute2 6.1) inside a test namespace.
const NFT_LIST_CHAINS_JSON =
  '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"chain": {"family": "ip", "table": "filter", "name": "FORWARD", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}}, {"chain": {"family": "inet", "table": "bootcast", "name": "forward", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "accept"}}]}';
const IP_ROUTE_DEFAULT_JSON =
  '[{"dst":"default","gateway":"198.19.0.1","dev":"up0","flags":[]},{"dst":"default","gateway":"198.19.1.1","dev":"wwan0","metric":600,"flags":[]},{"dst":"default","gateway":"198.19.2.1","dev":"eth1","metric":100,"flags":[]}]\n';

const plan = { lanInterface: 'pxe0', lan: parseIpv4Cidr('198.18.0.77/24'), uplink: 'up0' };

describe('Linux nftables and route parsing', () => {
  it('generates a table that replaces a stale one atomically and matches only the PXE subnet', () => {
    expect(nftRuleset(plan, 'inet')).toBe(
      [
        'table inet bootcast',
        'delete table inet bootcast',
        'table inet bootcast {',
        '\tchain postrouting {',
        '\t\ttype nat hook postrouting priority 100; policy accept;',
        '\t\tip saddr 198.18.0.0/24 oifname "up0" masquerade',
        '\t}',
        '\tchain forward {',
        '\t\ttype filter hook forward priority 0; policy accept;',
        '\t\tip saddr 198.18.0.0/24 iifname "pxe0" oifname "up0" accept',
        '\t\tip daddr 198.18.0.0/24 iifname "up0" oifname "pxe0" ct state established,related accept',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('finds tables by family and name in nft list tables', () => {
    expect(parseNftTables('table inet filter\ntable ip bootcast\ntable inet bootcast\n')).toEqual([
      { family: 'inet', name: 'filter' },
      { family: 'ip', name: 'bootcast' },
      { family: 'inet', name: 'bootcast' },
    ]);
  });

  it("names other firewalls' drop-policy forward chains, never its own", () => {
    expect(parseForwardDropChains(NFT_LIST_CHAINS_JSON)).toEqual(['ip filter FORWARD']);
    expect(parseForwardDropChains('not json')).toEqual([]);
  });

  it('orders default routes by metric and de-duplicates interfaces', () => {
    expect(parseIpRouteDefaults(IP_ROUTE_DEFAULT_JSON)).toEqual(['up0', 'eth1', 'wwan0']);
    expect(parseIpRouteDefaults('')).toEqual([]);
    expect(parseIpRouteDefaults('{')).toEqual([]);
  });

  it('normalises a LAN address to its subnet ', () => {
    expect(parseIpv4Cidr(' 198.18.1.200/23 ').text).toBe('198.18.0.0/23');
    expect(parseIpv4Cidr('198.18.0.1/32').text).toBe('198.18.0.1/32');
    expect(() => parseIpv4Cidr('198.18.0.256/24')).toThrow(/not an IPv4 CIDR/);
    expect(() => parseIpv4Cidr('198.18.0.0/0')).toThrow(/prefix 1–32/);
  });
});
