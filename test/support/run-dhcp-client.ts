/**
 * A PXE-like DHCP client as a process, for use inside a network namespace with an address on
 * its interface: broadcasts a DISCOVER, collects every answer for `collectMs`, then (if a
 * proxyDHCP answer came) sends the port-4011 REQUEST to that server. Prints one JSON line:
 * {"offers":[{from, yiaddr, siaddr, file, serverId, vendorClass}], "proxyAck": {...}|null}.
 */
import { DhcpMessageType as T } from '../../src-main/protocol/dhcp/option-codes.ts';
import type { DhcpPacket } from '../../src-main/protocol/dhcp/packet.ts';
import { Opt, readOption } from '../../src-main/protocol/dhcp/typed-options.ts';
import { clientPacket, DhcpTestClient } from './dhcp-test-client.ts';

interface Args {
  mac: string;
  vendorClass: string;
  arch: number;
  collectMs?: number;
  broadcastAddress?: string;
  ciaddr?: string;
}

function summary(p: DhcpPacket, from: string) {
  return {
    from, yiaddr: p.yiaddr, siaddr: p.siaddr, file: p.file,
    serverId: readOption(p.options, Opt.serverId), vendorClass: readOption(p.options, Opt.vendorClass),
    bootfileName: readOption(p.options, Opt.bootfileName), bytes: 0,
  };
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const client = await DhcpTestClient.open('0.0.0.0', 68);
  const xid = (Math.random() * 0xffffffff) >>> 0;
  await client.send(clientPacket({ type: T.DISCOVER, mac: args.mac, xid, vendorClass: args.vendorClass, arch: args.arch }), 67, args.broadcastAddress ?? '255.255.255.255');
  await new Promise((r) => setTimeout(r, args.collectMs ?? 1500));
  const offers = client.received.filter((r) => r.packet.xid === xid).map((r) => ({ ...summary(r.packet, r.from), bytes: r.bytes }));
  let proxyAck: ReturnType<typeof summary> | null = null;
  const proxy = client.received.find((r) => r.packet.xid === xid && r.packet.yiaddr === '0.0.0.0');
  if (proxy) {
    const server = readOption(proxy.packet.options, Opt.serverId)!;
    const x2 = xid + 1;
    await client.send(clientPacket({ type: T.REQUEST, mac: args.mac, xid: x2, ciaddr: args.ciaddr ?? '0.0.0.0', vendorClass: args.vendorClass, arch: args.arch, broadcast: false }), 4011, server);
    try {
      const ack = await client.waitFor(DhcpTestClient.reply(x2, T.ACK), 3000);
      proxyAck = summary(ack, server);
    } catch {
      proxyAck = null;
    }
  }
  process.stdout.write(`${JSON.stringify({ offers, proxyAck })}\n`);
  client.close();
}

main().catch((err: Error) => {
  process.stdout.write(`${JSON.stringify({ error: err.message })}\n`);
  process.exit(1);
});
