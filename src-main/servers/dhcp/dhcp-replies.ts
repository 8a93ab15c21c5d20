/**
 * The DHCP server's reply packets, built from the request alone: full-mode OFFER/ACK and NAK
 * (RFC 2131 §4.3) and proxyDHCP answers (PXE 2.1 §2.2), each carrying the boot information the
 * client's kind reads. Pure: no sockets, no state.
 */
import { formatIpv4, prefixToNetmask } from '../../protocol/dhcp/ipv4-address.ts';
import { BOOTREPLY, BROADCAST_FLAG, DhcpMessageType, DhcpOption, IpxeSubOption } from '../../protocol/dhcp/option-codes.ts';
import { emptyPacket, type DhcpPacket } from '../../protocol/dhcp/packet.ts';
import { DiscoveryControl, encodePxeVendorOptions } from '../../protocol/dhcp/pxe-vendor-options.ts';
import { Opt, writeOption } from '../../protocol/dhcp/typed-options.ts';
import type { PxeClientInfo } from '../../pxe/client-class.ts';
import type { BootAnswer } from './dhcp-events.ts';

/** What a full-mode reply tells the client about its network. */
export interface ReplyNetwork {
  serverAddress: string;
  prefixLength: number;
  subnetBroadcast: string;
  leaseSeconds: number;
  router?: string;
  dns?: string[];
  /** Tell iPXE (option 175.176 no-pxedhcp) not to wait for ProxyDHCP offers. */
  ipxeSkipProxyDhcpWait: boolean;
}

export function baseReply(p: DhcpPacket, type: number, serverAddress: string): DhcpPacket {
  const reply: DhcpPacket = {
    ...emptyPacket(BOOTREPLY), htype: p.htype, hlen: p.hlen, xid: p.xid, flags: p.flags, giaddr: p.giaddr, chaddr: p.chaddr.slice(),
  };
  writeOption(reply.options, Opt.messageType, type);
  writeOption(reply.options, Opt.serverId, serverAddress);
  return reply;
}

/** OFFER, ACK, or (ip null) the ACK to an INFORM. */
export function fullReply(p: DhcpPacket, type: number, ip: string | null, info: PxeClientInfo, boot: BootAnswer | null, net: ReplyNetwork): DhcpPacket {
  const reply = baseReply(p, type, net.serverAddress);
  if (ip) reply.yiaddr = ip;
  else reply.ciaddr = p.ciaddr; // INFORM ACK: no address, no lease time (RFC 2131 §4.3.5)
  if (type === DhcpMessageType.ACK && p.ciaddr !== '0.0.0.0') reply.ciaddr = p.ciaddr;
  const o = reply.options;
  if (ip) {
    writeOption(o, Opt.leaseTime, net.leaseSeconds);
    writeOption(o, Opt.renewalTime, Math.floor(net.leaseSeconds / 2));
    writeOption(o, Opt.rebindingTime, Math.floor((net.leaseSeconds * 7) / 8));
  }
  writeOption(o, Opt.subnetMask, formatIpv4(prefixToNetmask(net.prefixLength)));
  writeOption(o, Opt.broadcastAddress, net.subnetBroadcast);
  if (net.router) writeOption(o, Opt.router, [net.router]);
  if (net.dns?.length) writeOption(o, Opt.dnsServers, net.dns);
  if (boot) addBoot(reply, p, info, boot, net.serverAddress);
  if (boot && info.ipxe && net.ipxeSkipProxyDhcpWait) {
    writeOption(o, Opt.ipxe, new Map([[IpxeSubOption.NO_PXEDHCP, Uint8Array.of(1)]]));
  }
  echoRelayAgent(p, reply);
  return reply;
}

export function nakReply(p: DhcpPacket, reason: string, serverAddress: string): DhcpPacket {
  const reply = baseReply(p, DhcpMessageType.NAK, serverAddress);
  writeOption(reply.options, Opt.message, reason.slice(0, 200));
  // RFC 2131 §4.3.2: a NAK is broadcast (or sent to the relay with the broadcast bit set).
  reply.flags |= BROADCAST_FLAG;
  return reply;
}

/** No yiaddr, no lease, no network configuration: the network's own server gives those. */
export function proxyReply(p: DhcpPacket, type: number, info: PxeClientInfo, boot: BootAnswer, serverAddress: string): DhcpPacket {
  const reply = baseReply(p, type, serverAddress);
  addBoot(reply, p, { ...info, pxeClient: !info.httpClient, httpClient: info.httpClient }, boot, serverAddress);
  echoRelayAgent(p, reply);
  return reply;
}

/** siaddr/sname/file and options 66/67 (firmware reads one or the other), plus the PXE vendor bits. */
function addBoot(reply: DhcpPacket, p: DhcpPacket, info: PxeClientInfo, boot: BootAnswer, serverAddress: string): void {
  const nextServer = boot.nextServer ?? serverAddress;
  const serverName = boot.serverName ?? nextServer;
  reply.siaddr = nextServer;
  reply.sname = serverName.length < 64 ? serverName : '';
  reply.file = boot.bootFile.length < 128 ? boot.bootFile : '';
  writeOption(reply.options, Opt.tftpServerName, serverName);
  writeOption(reply.options, Opt.bootfileName, boot.bootFile);
  if (info.httpClient) {
    // UEFI HTTP boot only accepts offers that echo its vendor class (UEFI 2.5 §24.7).
    writeOption(reply.options, Opt.vendorClass, 'HTTPClient');
  } else if (info.pxeClient) {
    // PXE 2.1 §2.2.1: "PXEClient" marks the offer as carrying PXE information; discovery
    // control bit 3 says "boot the file named here, no menu, no boot server discovery".
    writeOption(reply.options, Opt.vendorClass, 'PXEClient');
    reply.options.set(DhcpOption.VENDOR_SPECIFIC, encodePxeVendorOptions({ discoveryControl: DiscoveryControl.USE_BOOTFILE, other: new Map() }));
  }
  const uuid = p.options.get(DhcpOption.CLIENT_UUID);
  if (uuid && info.pxeClient) reply.options.set(DhcpOption.CLIENT_UUID, uuid);
}

function echoRelayAgent(p: DhcpPacket, reply: DhcpPacket): void {
  // RFC 3046 §2.2: echo option 82 unchanged, as the last option.
  const relay = p.options.get(DhcpOption.RELAY_AGENT);
  if (relay) reply.options.set(DhcpOption.RELAY_AGENT, relay);
}
