import { describe, expect, it } from 'vitest';
import { RESOLVED_UPSTREAMS, RESOLV_CONF, chooseClientDns, hostResolvers, parseResolvConf } from './host-resolvers.ts';

function files(map: Record<string, string>) {
  return async (path: string) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    return text;
  };
}

const SYSTEMD_STUB = `# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).
nameserver 127.0.0.53
options edns0 trust-ad
search lan
`;
const SYSTEMD_UPSTREAMS = `# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).
nameserver 198.18.5.1
nameserver fe80::1%wlp2s0
nameserver 198.18.5.2
search lan
`;

describe('host resolvers', () => {
  it('parses nameserver lines, ignoring comments, options and zone ids', () => {
    expect(parseResolvConf('; c\nnameserver 198.18.1.1 # home\n  nameserver\tfe80::1%eth0\nsearch x\nnameserverx 1.2.3.4\n')).toEqual(['198.18.1.1', 'fe80::1']);
  });

  it('hands plain upstream resolvers to clients directly', async () => {
    const r = await hostResolvers(files({ [RESOLV_CONF]: 'nameserver 198.18.9.9\nnameserver 2001:db8::1\n' }));
    expect(r).toEqual({ servers: ['198.18.9.9'], stubs: [], sources: [RESOLV_CONF] });
    const choice = chooseClientDns(r, '198.18.0.1');
    expect(choice.servers).toEqual(['198.18.9.9']);
    expect(choice.forwarder).toBeUndefined();
  });

  it("behind systemd-resolved's stub uses the upstreams resolved itself uses", async () => {
    const r = await hostResolvers(files({ [RESOLV_CONF]: SYSTEMD_STUB, [RESOLVED_UPSTREAMS]: SYSTEMD_UPSTREAMS }));
    expect(r).toEqual({ servers: ['198.18.5.1', '198.18.5.2'], stubs: ['127.0.0.53'], sources: [RESOLV_CONF, RESOLVED_UPSTREAMS] });
    expect(chooseClientDns(r, '198.18.0.1').servers).toEqual(['198.18.5.1', '198.18.5.2']);
  });

  it('with only a local stub, hands out the PXE address and asks for a forwarder to the stub', async () => {
    const r = await hostResolvers(files({ [RESOLV_CONF]: SYSTEMD_STUB }));
    expect(r.servers).toEqual([]);
    expect(chooseClientDns(r, '198.18.0.1')).toMatchObject({ servers: ['198.18.0.1'], forwarder: { upstreams: ['127.0.0.53'] } });
    const dnsmasq = await hostResolvers(files({ [RESOLV_CONF]: 'nameserver 127.0.0.1\n' }));
    expect(chooseClientDns(dnsmasq, '198.18.0.1').forwarder).toEqual({ upstreams: ['127.0.0.1'] });
  });

  it('says so when there is no resolver at all', async () => {
    const r = await hostResolvers(files({}));
    expect(chooseClientDns(r, '198.18.0.1')).toMatchObject({ servers: [], why: expect.stringMatching(/no IPv4 resolver/) });
  });
});
