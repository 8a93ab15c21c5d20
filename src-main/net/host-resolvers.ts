import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';

/** What the host resolves names with, split by whether a LAN client could use it directly. */
export interface HostResolvers {
  /** IPv4 resolvers reachable from elsewhere: handed to DHCP clients as-is. */
  servers: string[];
  /** Local-only stubs (127.0.0.53, 127.0.0.1): usable only through a forwarder on the PXE address. */
  stubs: string[];
  /** Files read, in order. */
  sources: string[];
}

export const RESOLV_CONF = '/etc/resolv.conf';
/** systemd-resolved's list of real upstreams, behind its 127.0.0.53 stub. */
export const RESOLVED_UPSTREAMS = '/run/systemd/resolve/resolv.conf';
const RESOLVED_STUB = '127.0.0.53';

/** `nameserver` entries of a resolv.conf (resolv.conf(5)); comments and other keywords ignored. */
export function parseResolvConf(text: string): string[] {
  const servers: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)$/.exec(line);
    if (m) servers.push(m[1]!.replace(/%.*$/, ''));
  }
  return servers;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/**
 * Reads /etc/resolv.conf; when it only names systemd-resolved's stub, reads the upstreams
 * resolved itself uses. IPv6 servers are left out: DHCPv4 option 6 carries IPv4 only.
 */
export async function hostResolvers(read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8')): Promise<HostResolvers> {
  const sources: string[] = [];
  const tryRead = async (path: string): Promise<string[]> => {
    try {
      const list = parseResolvConf(await read(path));
      sources.push(path);
      return list;
    } catch {
      return [];
    }
  };
  const listed = await tryRead(RESOLV_CONF);
  let servers = listed.filter((a) => isIPv4(a) && !isLoopback(a));
  const stubs = listed.filter((a) => isIPv4(a) && isLoopback(a));
  if (servers.length === 0 && stubs.includes(RESOLVED_STUB)) {
    servers = (await tryRead(RESOLVED_UPSTREAMS)).filter((a) => isIPv4(a) && !isLoopback(a));
  }
  return { servers: [...new Set(servers)], stubs: [...new Set(stubs)], sources };
}

/** What full-mode DHCP hands out as DNS (option 6), and whether a forwarder must run for it. */
export interface ClientDnsChoice {
  servers: string[];
  /** Present when clients are given the PXE address: start a DnsForwarder with these upstreams. */
  forwarder?: { upstreams: string[] };
  why: string;
}

/**
 * Direct upstreams when the host has any (fewer moving parts); otherwise the PXE address with a
 * forwarder to the local stub; otherwise nothing (clients get no DNS, said in `why`).
 */
export function chooseClientDns(resolvers: HostResolvers, pxeAddress: string): ClientDnsChoice {
  if (resolvers.servers.length > 0) return { servers: resolvers.servers, why: `the host's resolvers (${resolvers.sources.at(-1) ?? RESOLV_CONF})` };
  if (resolvers.stubs.length > 0) {
    return { servers: [pxeAddress], forwarder: { upstreams: resolvers.stubs }, why: `the host only has a local stub (${resolvers.stubs.join(', ')}): Bootcast relays DNS on ${pxeAddress}` };
  }
  return { servers: [], why: `no IPv4 resolver found in ${RESOLV_CONF}: clients get no DNS server` };
}
