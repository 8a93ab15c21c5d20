import { describe, expect, it } from 'vitest';
import { decideDhcpMode, type ForeignDhcpServer } from './dhcp-probe.ts';

const router: ForeignDhcpServer = { serverId: '198.18.0.254', address: '198.18.0.254', offeredAddress: '198.18.0.160', pxe: false };
const proxy: ForeignDhcpServer = { serverId: '198.18.0.7', address: '198.18.0.7', offeredAddress: '0.0.0.0', pxe: true, vendorClass: 'PXEClient' };

describe('auto mode decision', () => {
  it('chooses full mode when nobody answered', () => {
    expect(decideDhcpMode({ found: false, servers: [] })).toEqual({ mode: 'full', reason: 'no DHCP server answered on this network: full mode (Bootcast gives addresses)' });
  });

  it('chooses proxy mode and names the server when another one gives addresses', () => {
    expect(decideDhcpMode({ found: true, servers: [router, proxy] })).toEqual({
      mode: 'proxy', reason: 'another DHCP server answered: 198.18.0.254 (offered 198.18.0.160); proxy mode: Bootcast adds only the boot information',
    });
  });

  it('still chooses full mode when only a proxyDHCP server answered', () => {
    expect(decideDhcpMode({ found: true, servers: [proxy] }).mode).toBe('full');
  });

  it('falls back to proxy mode, saying why, when the probe could not run', () => {
    expect(decideDhcpMode({ found: false, servers: [], error: 'DHCP probe: port 68 in use' })).toEqual({
      mode: 'proxy', reason: 'could not check for another DHCP server (DHCP probe: port 68 in use); proxy mode is the safe choice',
    });
  });
});
