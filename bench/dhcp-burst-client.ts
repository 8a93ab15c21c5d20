/**
 * The DHCP bench's client side, run inside the client namespace: `clients` simulated machines
 * (distinct MACs) each do DISCOVER → OFFER → REQUEST → ACK, all started at once. A machine whose
 * reply does not come within `retryMs` resends its current message (as a real client would), up
 * to `tries` times. Prints one JSON line with the counts and the time from first DISCOVER to last ACK.
 */
import { DhcpMessageType as T } from '../src-main/protocol/dhcp/option-codes.ts';
import { Opt, readOption } from '../src-main/protocol/dhcp/typed-options.ts';
import { encodeDhcpPacket } from '../src-main/protocol/dhcp/packet.ts';
import { clientPacket, DhcpTestClient } from '../test/support/dhcp-test-client.ts';

interface Args {
  clients: number;
  /** Subnet-directed broadcast of the client namespace's interface. */
  broadcast: string;
  macPrefix: string;
  retryMs?: number;
  tries?: number;
  deadlineMs?: number;
}

interface Machine {
  mac: string;
  xid: number;
  state: 'discover' | 'request' | 'bound';
  packet: Uint8Array;
  sentAt: number;
  tries: number;
  ip?: string;
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]!) as Args;
  const retryMs = a.retryMs ?? 1000;
  const maxTries = a.tries ?? 5;
  const client = await DhcpTestClient.open('0.0.0.0', 68);
  const byXid = new Map<number, Machine>();
  const vendor = 'PXEClient:Arch:00000:UNDI:002001';
  let retransmits = 0;
  let naks = 0;
  const discoverOf = (mac: string, xid: number) => encodeDhcpPacket(clientPacket({ type: T.DISCOVER, mac, xid, vendorClass: vendor, arch: 0 }));
  let done = 0;
  const start = performance.now();
  let lastAck = start;
  const send = (m: Machine) => {
    m.sentAt = performance.now();
    m.tries++;
    void client.sendRaw(m.packet, 67, a.broadcast);
  };
  const finished = new Promise<void>((resolve) => {
    client.onReply = (p) => {
      const m = byXid.get(p.xid);
      if (!m) return;
      const type = readOption(p.options, Opt.messageType);
      if (m.state === 'discover' && type === T.OFFER) {
        m.state = 'request';
        m.tries = 0;
        m.packet = encodeDhcpPacket(clientPacket({ type: T.REQUEST, mac: m.mac, xid: m.xid, vendorClass: vendor, arch: 0, requestedIp: p.yiaddr, serverId: readOption(p.options, Opt.serverId)! }));
        send(m);
      } else if (m.state === 'request' && type === T.NAK) {
        // RFC 2131 §4.4.1: a NAK sends the client back to INIT (dnsmasq NAKs when it offered one
        // address to two clients of the burst).
        // A new xid, as RFC 2131 clients do, so late OFFERs for the old one are not taken.
        naks++;
        byXid.delete(m.xid);
        m.xid = (m.xid + 0x01000000) >>> 0;
        byXid.set(m.xid, m);
        m.state = 'discover';
        m.tries = 0;
        m.packet = discoverOf(m.mac, m.xid);
        send(m);
      } else if (m.state === 'request' && type === T.ACK) {
        m.state = 'bound';
        m.ip = p.yiaddr;
        lastAck = performance.now();
        if (++done === a.clients) resolve();
      }
    };
  });
  for (let i = 0; i < a.clients; i++) {
    const mac = `${a.macPrefix}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    const xid = (0x10000000 + i * 7919) >>> 0;
    const m: Machine = { mac, xid, state: 'discover', packet: discoverOf(mac, xid), sentAt: 0, tries: 0 };
    byXid.set(xid, m);
    send(m);
  }
  const timer = setInterval(() => {
    const now = performance.now();
    for (const m of byXid.values()) {
      if (m.state !== 'bound' && now - m.sentAt > retryMs && m.tries < maxTries) {
        retransmits++;
        send(m);
      }
    }
  }, 50);
  await Promise.race([finished, new Promise((r) => setTimeout(r, a.deadlineMs ?? 30_000))]);
  clearInterval(timer);
  const bound = [...byXid.values()].filter((m) => m.state === 'bound');
  const ips = new Set(bound.map((m) => m.ip));
  const elapsedMs = lastAck - start;
  process.stdout.write(`${JSON.stringify({ clients: a.clients, bound: bound.length, lost: a.clients - bound.length, uniqueIps: ips.size, retransmits, naks, elapsedMs, leasesPerSecond: bound.length / (elapsedMs / 1000) })}\n`);
  client.close();
}

void main();
