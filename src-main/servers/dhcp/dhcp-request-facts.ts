/**
 * Facts the DHCP server reads off a request before answering it: which client it is (the lease
 * key) and whether it demonstrably comes from a network other than the chosen interface's.
 */
import type { RemoteInfo } from 'node:dgram';
import { formatIpv4, inSubnet, networkOf } from '../../protocol/dhcp/ipv4-address.ts';
import { DhcpOption } from '../../protocol/dhcp/option-codes.ts';
import type { DhcpPacket } from '../../protocol/dhcp/packet.ts';
import { macFromBytes } from '../../shared/mac.ts';

/** The lease key: the client identifier (option 61), or the MAC when 61 is absent or just the MAC. */
export function clientKey(p: DhcpPacket): string {
  const mac = macFromBytes(p.chaddr, p.hlen);
  const id = p.options.get(DhcpOption.CLIENT_ID);
  if (!id || id.length < 2) return `mac:${mac}`;
  // 61 = 01:<MAC> (what iPXE sends) is the same machine as a ROM that sends no 61.
  const hex = [...id].map((b) => b.toString(16).padStart(2, '0'));
  if (id[0] === 1 && hex.slice(1).join(':') === mac) return `mac:${mac}`;
  return `id:${hex.join('')}`;
}

/**
 * Why a request demonstrably comes from another network (see DhcpSocketPair), or null: answering
 * it would send a reply out of an interface the user did not choose.
 */
export function foreignOrigin(p: DhcpPacket, from: RemoteInfo, serverAddress: string, prefixLength: number, mode: 'full' | 'proxy' | 'off'): string | null {
  const subnet = `${formatIpv4(networkOf(serverAddress, prefixLength))}/${prefixLength}`;
  if (p.giaddr !== '0.0.0.0') {
    if (mode === 'full' && !inSubnet(p.giaddr, serverAddress, prefixLength)) {
      return `relayed by ${p.giaddr}, whose network has no pool here (pool is in ${subnet})`;
    }
    return null;
  }
  if (p.ciaddr !== '0.0.0.0' && !inSubnet(p.ciaddr, serverAddress, prefixLength)) return `client address ${p.ciaddr} is outside ${subnet}: not from the chosen interface`;
  if (from.address !== '0.0.0.0' && !inSubnet(from.address, serverAddress, prefixLength)) return `sent from ${from.address}, outside ${subnet}: not from the chosen interface`;
  return null;
}

/** An optional option that must not fail the request when malformed (e.g. the host name). */
export function safeRead<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
