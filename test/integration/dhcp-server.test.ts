import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chooseFirstStageLoader } from '../../src-main/boot/first-stage-loader.ts';
import type { PxeClientInfo } from '../../src-main/pxe/client-class.ts';
import { DhcpMessageType as T } from '../../src-main/protocol/dhcp/option-codes.ts';
import { decodePxeVendorOptions } from '../../src-main/protocol/dhcp/pxe-vendor-options.ts';
import { Opt, readOption } from '../../src-main/protocol/dhcp/typed-options.ts';
import type { BootAnswer, DhcpServerEvents } from '../../src-main/servers/dhcp/dhcp-events.ts';
import { DhcpServer } from '../../src-main/servers/dhcp/dhcp-server.ts';
import type { DhcpServerOptions } from '../../src-main/servers/dhcp/dhcp-server-options.ts';
import { clientPacket, DhcpTestClient } from '../support/dhcp-test-client.ts';

const SERVER = '127.0.0.1';
const BIOS_PXE = 'PXEClient:Arch:00000:UNDI:002001';
const EFI_PXE = 'PXEClient:Arch:00007:UNDI:003000';

/** The engine's policy in miniature: first stage by TFTP, iPXE gets its script URL. */
function policy(client: PxeClientInfo): BootAnswer | null {
  if (client.ipxe) return { bootFile: `http://${SERVER}:8080/boot.ipxe?mac=${client.mac}` };
  const choice = chooseFirstStageLoader(client);
  return choice.loader ? { bootFile: choice.loader } : null;
}

let dataDir: string;
let client: DhcpTestClient;
const servers: DhcpServer[] = [];
let xidCounter = 0x1000;
const nextXid = () => ++xidCounter;
let macCounter = 0;
const nextMac = () => `52:54:00:00:10:${(++macCounter).toString(16).padStart(2, '0')}`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bootcast-dhcp-'));
  client = await DhcpTestClient.open();
});
afterAll(() => {
  client.close();
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

type Recorded = { [K in keyof DhcpServerEvents]: DhcpServerEvents[K][] };

async function startServer(over: Partial<DhcpServerOptions> = {}): Promise<{ server: DhcpServer; port: number; events: Recorded }> {
  const server = new DhcpServer({
    mode: 'full', serverAddress: SERVER, prefixLength: 8, port: 0, proxyPort: 0, clientPort: client.port,
    range: { first: '127.0.0.100', last: '127.0.0.109' }, leaseSeconds: 600, router: '127.0.0.254', dns: ['127.0.0.53'],
    bootPolicy: policy, conflictWatch: { passive: false, probeIntervalMs: 0 },
    ...over,
  });
  const events = {} as Recorded;
  for (const name of ['discover', 'offer', 'request', 'ack', 'nak', 'decline', 'release', 'inform', 'proxy', 'ignored', 'malformed', 'conflict', 'warning'] as const) {
    (events as Record<string, unknown[]>)[name] = [];
    server.events.on(name, (e) => (events[name] as unknown[]).push(e));
  }
  await server.start();
  servers.push(server);
  return { server, port: server.ports.dhcp, events };
}

const BCAST = '127.255.255.255';

async function lease(port: number, mac: string, extra: Partial<Parameters<typeof clientPacket>[0]> = {}) {
  const xid = nextXid();
  await client.send(clientPacket({ type: T.DISCOVER, mac, xid, vendorClass: BIOS_PXE, arch: 0, ...extra }), port, BCAST);
  const offer = await client.waitFor(DhcpTestClient.reply(xid, T.OFFER));
  await client.send(clientPacket({ type: T.REQUEST, mac, xid, vendorClass: BIOS_PXE, arch: 0, requestedIp: offer.yiaddr, serverId: SERVER, ...extra }), port, BCAST);
  const ack = await client.waitFor(DhcpTestClient.reply(xid, T.ACK));
  return { offer, ack, xid };
}

describe('DhcpServer in full mode', () => {
  it('leases an address to a BIOS PXE ROM with every boot field set (siaddr, sname, file, 66, 67, 43, 60)', async () => {
    const { port, events } = await startServer();
    const mac = nextMac();
    const { offer, ack, xid } = await lease(port, mac);
    const raw = client.received.find((r) => r.packet.xid === xid && readOption(r.packet.options, Opt.messageType) === T.OFFER)!;
    expect(raw.bytes).toBeGreaterThanOrEqual(300);
    expect(raw.from).toBe(`${SERVER}:${port}`);
    for (const reply of [offer, ack]) {
      expect(reply.yiaddr).toBe('127.0.0.100');
      expect(reply.siaddr).toBe(SERVER);
      expect(reply.sname).toBe(SERVER);
      expect(reply.file).toBe('undionly.kpxe');
      expect(readOption(reply.options, Opt.tftpServerName)).toBe(SERVER);
      expect(readOption(reply.options, Opt.bootfileName)).toBe('undionly.kpxe');
      expect(readOption(reply.options, Opt.serverId)).toBe(SERVER);
      expect(readOption(reply.options, Opt.leaseTime)).toBe(600);
      expect(readOption(reply.options, Opt.subnetMask)).toBe('255.0.0.0');
      expect(readOption(reply.options, Opt.router)).toEqual(['127.0.0.254']);
      expect(readOption(reply.options, Opt.dnsServers)).toEqual(['127.0.0.53']);
      expect(readOption(reply.options, Opt.broadcastAddress)).toBe(BCAST);
      expect(readOption(reply.options, Opt.vendorClass)).toBe('PXEClient');
      expect(decodePxeVendorOptions(reply.options.get(43)!).discoveryControl).toBe(8);
      expect(reply.options.has(175)).toBe(false);
    }
    expect(events.discover[0]).toMatchObject({ mac, xid, arch: 0, firmware: 'bios', ipxe: false, vendorClass: BIOS_PXE });
    expect(events.offer[0]).toMatchObject({ mac, ip: '127.0.0.100', boot: { bootFile: 'undionly.kpxe' } });
    expect(events.request[0]).toMatchObject({ mac, state: 'selecting', ip: '127.0.0.100' });
    expect(events.ack[0]).toMatchObject({ mac, ip: '127.0.0.100', leaseSeconds: 600, firmware: 'bios' });
  });

  it('gives iPXE its boot script URL and option 175.176 so it skips the ProxyDHCP wait', async () => {
    const { port, events } = await startServer();
    const mac = nextMac();
    const { ack } = await lease(port, mac, { vendorClass: EFI_PXE, arch: 7, userClass: ['iPXE'] });
    const url = `http://${SERVER}:8080/boot.ipxe?mac=${mac}`;
    expect(readOption(ack.options, Opt.bootfileName)).toBe(url);
    expect(ack.file).toBe(url);
    expect(readOption(ack.options, Opt.ipxe)).toEqual(new Map([[176, Uint8Array.of(1)]]));
    expect(events.ack[0]).toMatchObject({ firmware: 'uefi', ipxe: true, arch: 7 });
  });

  it('puts a boot URL too long for the file field into option 67 only', async () => {
    const long = `http://${SERVER}:8080/boot.ipxe?${'x'.repeat(150)}`;
    const { port } = await startServer({ bootPolicy: () => ({ bootFile: long }) });
    const { ack } = await lease(port, nextMac(), { userClass: ['iPXE'] });
    expect(ack.file).toBe('');
    expect(readOption(ack.options, Opt.bootfileName)).toBe(long);
  });

  it('warns instead of answering when the reply cannot fit the client\'s maximum message size', async () => {
    const { server, port, events } = await startServer({ bootPolicy: () => ({ bootFile: `http://${SERVER}/${'y'.repeat(100)}`, serverName: 'z'.repeat(63) }) });
    const xid = nextXid();
    // 576 bytes allowed, file and sname both hold boot information, and the 250-byte relay
    // option that must be echoed leaves no room for the rest.
    const relayInfo = Uint8Array.from([1, 248, ...new Uint8Array(248)]);
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid, userClass: ['iPXE'], vendorClass: BIOS_PXE, extra: [[57, Uint8Array.of(2, 64)], [82, relayInfo]] }), port, BCAST);
    await expect.poll(() => events.warning.length).toBe(1);
    expect(events.warning[0]!.message).toMatch(/^reply to 52:54:00:00:10:[0-9a-f]{2} \(xid \d+\) not sent: options need \d+ bytes but the receiver accepts 576 and file\/sname are in use; shorten the boot URL$/);
    expect(server.stats()).toMatchObject({ sendErrors: 1, malformed: 0 });
  });

  it('gives a plain (non-PXE) client an address and no boot information', async () => {
    const { port } = await startServer();
    const xid = nextXid();
    const mac = nextMac();
    await client.send(clientPacket({ type: T.DISCOVER, mac, xid }), port, BCAST);
    const offer = await client.waitFor(DhcpTestClient.reply(xid, T.OFFER));
    expect(offer.yiaddr).toMatch(/^127\.0\.0\.10\d$/);
    expect(offer.file).toBe('');
    expect(offer.options.has(67)).toBe(false);
    expect(offer.options.has(60)).toBe(false);
  });

  it('offers an unknown architecture an address but no loader, and says so in the event', async () => {
    const { port, events } = await startServer();
    const xid = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid, vendorClass: 'PXEClient:Arch:00010:UNDI:003000', arch: 10 }), port, BCAST);
    const offer = await client.waitFor(DhcpTestClient.reply(xid, T.OFFER));
    expect(offer.options.has(67)).toBe(false);
    expect(events.offer[0]).toMatchObject({ boot: null, archName: 'ARM 32-bit UEFI', firmware: 'uefi' });
  });

  it('honours the address a client asks for (option 50) when it is free', async () => {
    const { port } = await startServer();
    const { ack } = await lease(port, nextMac(), { requestedIp: '127.0.0.107' });
    expect(ack.yiaddr).toBe('127.0.0.107');
  });

  it('ignores a REQUEST naming another server, frees the offer and warns of the other server', async () => {
    const { port, events } = await startServer({ range: { first: '127.0.0.100', last: '127.0.0.100' } });
    const mac = nextMac();
    const xid = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac, xid }), port, BCAST);
    const offer = await client.waitFor(DhcpTestClient.reply(xid, T.OFFER));
    await client.send(clientPacket({ type: T.REQUEST, mac, xid, requestedIp: '127.0.0.77', serverId: '127.0.0.2' }), port, BCAST);
    // The single address was freed: another client gets it at once.
    const other = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid: other }), port, BCAST);
    expect((await client.waitFor(DhcpTestClient.reply(other, T.OFFER))).yiaddr).toBe(offer.yiaddr);
    expect(client.received.filter((r) => r.packet.xid === xid).length).toBe(1);
    expect(events.ignored).toEqual([expect.objectContaining({ mac, reason: 'client chose another server (127.0.0.2)' })]);
    expect(events.conflict).toEqual([expect.objectContaining({ serverId: '127.0.0.2', via: 'client-request' })]);
  });

  it('confirms a known lease in INIT-REBOOT, NAKs a wrong address and stays silent for strangers', async () => {
    const { port, events } = await startServer();
    const mac = nextMac();
    const { ack } = await lease(port, mac);
    const x1 = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac, xid: x1, requestedIp: ack.yiaddr }), port, BCAST);
    expect((await client.waitFor(DhcpTestClient.reply(x1, T.ACK))).yiaddr).toBe(ack.yiaddr);
    const x2 = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac, xid: x2, requestedIp: '127.0.0.105' }), port, BCAST);
    const nak = await client.waitFor(DhcpTestClient.reply(x2, T.NAK));
    expect(readOption(nak.options, Opt.message)).toBe(`client's lease is ${ack.yiaddr}, not 127.0.0.105`);
    const x3 = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac, xid: x3, requestedIp: '198.19.9.9' }), port, BCAST);
    expect(readOption((await client.waitFor(DhcpTestClient.reply(x3, T.NAK))).options, Opt.message)).toMatch(/198\.19\.9\.9 is not on this network/);
    const stranger = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac: nextMac(), xid: stranger, requestedIp: '127.0.0.106' }), port, BCAST);
    const x4 = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac, xid: x4, requestedIp: ack.yiaddr }), port, BCAST);
    await client.waitFor(DhcpTestClient.reply(x4, T.ACK));
    expect(client.received.some((r) => r.packet.xid === stranger)).toBe(false);
    expect(events.request.map((e) => e.state)).toEqual(['selecting', 'init-reboot', 'init-reboot', 'init-reboot', 'init-reboot', 'init-reboot']);
    expect(events.ignored.at(-1)!.reason).toMatch(/no record of this client \(init-reboot\)/);
  });

  it('renews by unicast (RENEWING) and by broadcast (REBINDING), answering to ciaddr', async () => {
    const { port, events } = await startServer();
    const mac = nextMac();
    const { ack } = await lease(port, mac);
    const x1 = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac, xid: x1, ciaddr: ack.yiaddr, broadcast: false }), port, SERVER);
    const renew = await client.waitFor(DhcpTestClient.reply(x1, T.ACK));
    expect(renew.yiaddr).toBe(ack.yiaddr);
    expect(renew.ciaddr).toBe(ack.yiaddr);
    const x2 = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac, xid: x2, ciaddr: ack.yiaddr }), port, BCAST);
    await client.waitFor(DhcpTestClient.reply(x2, T.ACK));
    expect(events.request.slice(1).map((e) => e.state)).toEqual(['renewing', 'rebinding']);
  });

  it('quarantines a DECLINEd address and offers another', async () => {
    const { port, events } = await startServer();
    const mac = nextMac();
    const { ack } = await lease(port, mac);
    await client.send(clientPacket({ type: T.DECLINE, mac, xid: nextXid(), requestedIp: ack.yiaddr, serverId: SERVER }), port, BCAST);
    const xid = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac, xid }), port, BCAST);
    const offer = await client.waitFor(DhcpTestClient.reply(xid, T.OFFER));
    expect(offer.yiaddr).not.toBe(ack.yiaddr);
    expect(events.decline).toEqual([expect.objectContaining({ mac, ip: ack.yiaddr })]);
  });

  it('takes back a RELEASEd address and gives the same client the same address again', async () => {
    const { server, port, events } = await startServer();
    const mac = nextMac();
    const { ack } = await lease(port, mac);
    expect(server.stats().activeLeases).toBe(1);
    await client.send(clientPacket({ type: T.RELEASE, mac, xid: nextXid(), ciaddr: ack.yiaddr, serverId: SERVER, broadcast: false }), port, SERVER);
    const again = await lease(port, mac);
    expect(again.ack.yiaddr).toBe(ack.yiaddr);
    expect(events.release).toEqual([expect.objectContaining({ mac, ip: ack.yiaddr })]);
  });

  it('answers INFORM with configuration and boot information but no address or lease time', async () => {
    const { port, events } = await startServer();
    const xid = nextXid();
    await client.send(clientPacket({ type: T.INFORM, mac: nextMac(), xid, ciaddr: '127.0.0.42', vendorClass: BIOS_PXE, arch: 0, broadcast: false }), port, SERVER);
    const ack = await client.waitFor(DhcpTestClient.reply(xid, T.ACK));
    expect(ack.yiaddr).toBe('0.0.0.0');
    expect(ack.ciaddr).toBe('127.0.0.42');
    expect(ack.options.has(51)).toBe(false);
    expect(ack.file).toBe('undionly.kpxe');
    expect(events.inform).toEqual([expect.objectContaining({ ip: '127.0.0.42' })]);
  });

  it('answers a relay agent at giaddr on the server port and echoes option 82', async () => {
    const { port } = await startServer();
    const relay = await DhcpTestClient.open('127.0.0.2', port);
    try {
      const xid = nextXid();
      const option82 = Uint8Array.of(1, 3, 0x65, 0x74, 0x68);
      await relay.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid, giaddr: '127.0.0.2', broadcast: false, extra: [[82, option82]] }), port, SERVER);
      const offer = await relay.waitFor(DhcpTestClient.reply(xid, T.OFFER));
      expect(offer.giaddr).toBe('127.0.0.2');
      expect(offer.options.get(82)).toEqual(option82);
      expect([...offer.options.keys()].at(-1)).toBe(82);
    } finally {
      relay.close();
    }
  });

  it('drops requests that come from another network and says why', async () => {
    const { port, events } = await startServer();
    const xid = nextXid();
    await client.send(clientPacket({ type: T.REQUEST, mac: nextMac(), xid, ciaddr: '198.19.30.40' }), port, BCAST);
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid: xid + 1, giaddr: '198.19.1.1' }), port, BCAST);
    const probe = nextXid() + 5;
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid: probe }), port, BCAST);
    await client.waitFor(DhcpTestClient.reply(probe, T.OFFER));
    expect(events.ignored.map((e) => e.reason)).toEqual([
      'client address 198.19.30.40 is outside 127.0.0.0/8: not from the chosen interface',
      'relayed by 198.19.1.1, whose network has no pool here (pool is in 127.0.0.0/8)',
    ]);
  });

  it('says when the pool is exhausted', async () => {
    const { port, events } = await startServer({ range: { first: '127.0.0.100', last: '127.0.0.101' } });
    await lease(port, nextMac());
    await lease(port, nextMac());
    const xid = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid }), port, BCAST);
    const ok = nextXid();
    await client.send(clientPacket({ type: T.INFORM, mac: nextMac(), xid: ok, ciaddr: '127.0.0.9', broadcast: false }), port, SERVER);
    await client.waitFor(DhcpTestClient.reply(ok, T.ACK));
    expect(events.ignored.at(-1)!.reason).toBe('address pool exhausted (2 addresses, all leased)');
  });

  it('drops and counts malformed packets and keeps serving', async () => {
    const { server, port, events } = await startServer();
    const garbage = [Uint8Array.of(1, 2, 3), new Uint8Array(240), new Uint8Array(400).fill(0xff)];
    for (const g of garbage) await client.sendRaw(g, port, SERVER);
    const truncatedOption = clientPacket({ type: T.DISCOVER, mac: nextMac(), xid: nextXid() });
    const bytes = (await import('../../src-main/protocol/dhcp/packet.ts')).encodeDhcpPacket(truncatedOption);
    bytes[243] = 60;
    bytes[244] = 200; // option 60 claims 200 bytes, the packet ends first
    await client.sendRaw(bytes.subarray(0, 260), port, SERVER);
    const { ack } = await lease(port, nextMac());
    expect(ack.yiaddr).toMatch(/^127\.0\.0\.1\d\d$/);
    expect(server.stats().malformed).toBe(4);
    expect(events.malformed.map((m) => m.reason)).toEqual([
      expect.stringMatching(/truncated BOOTP header: 3 bytes/),
      expect.stringMatching(/op 0 is neither/),
      expect.stringMatching(/op 255 is neither/),
      expect.stringMatching(/option 60 at offset 243 claims 200 bytes/),
    ]);
  });

  it('persists leases in the data directory and restores them after a restart', async () => {
    const dir = mkdtempSync(join(dataDir, 'leases-'));
    const mac = nextMac();
    const first = await startServer({ dataDir: dir });
    const { ack } = await lease(first.port, mac, { requestedIp: '127.0.0.104' });
    await first.server.stop();
    const saved = JSON.parse(readFileSync(join(dir, 'dhcp-leases.json'), 'utf8'));
    expect(saved.leases).toEqual([expect.objectContaining({ mac, ip: ack.yiaddr, state: 'bound' })]);
    const second = await startServer({ dataDir: dir });
    expect(second.server.stats().activeLeases).toBe(1);
    const again = await lease(second.port, mac);
    expect(again.offer.yiaddr).toBe('127.0.0.104');
  });

  it('refuses a range outside the interface subnet with a message saying what to do', () => {
    expect(() => new DhcpServer({ mode: 'full', serverAddress: '198.18.0.1', prefixLength: 24, range: { first: '198.18.1.10', last: '198.18.1.20' }, bootPolicy: policy }))
      .toThrow('DHCP full mode: range 198.18.1.10–198.18.1.20 must lie inside 198.18.0.0/24 (the interface\'s subnet), excluding 198.18.0.0 and 198.18.0.255');
  });
});

describe('DhcpServer in proxy mode', () => {
  it('answers a PXE DISCOVER with boot information only, and ignores other clients', async () => {
    const { port, events } = await startServer({ mode: 'proxy' });
    const plain = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid: plain }), port, BCAST);
    const xid = nextXid();
    const mac = nextMac();
    await client.send(clientPacket({ type: T.DISCOVER, mac, xid, vendorClass: EFI_PXE, arch: 7, extra: [[97, new Uint8Array(17).fill(7)]] }), port, BCAST);
    const offer = await client.waitFor(DhcpTestClient.reply(xid, T.OFFER));
    expect(offer.yiaddr).toBe('0.0.0.0');
    expect(offer.siaddr).toBe(SERVER);
    expect(offer.file).toBe('snponly.efi');
    expect(readOption(offer.options, Opt.vendorClass)).toBe('PXEClient');
    expect(readOption(offer.options, Opt.serverId)).toBe(SERVER);
    expect(decodePxeVendorOptions(offer.options.get(43)!)).toEqual({ discoveryControl: 8, other: new Map() });
    expect(offer.options.get(97)).toEqual(new Uint8Array(17).fill(7));
    for (const code of [51, 1, 3, 6, 175]) expect(offer.options.has(code)).toBe(false);
    expect(client.received.some((r) => r.packet.xid === plain)).toBe(false);
    expect(events.ignored[0]!.reason).toMatch(/not a PXE client \(vendor class none\)/);
    expect(events.proxy).toEqual([expect.objectContaining({ mac, port, kind: 'offer', firmware: 'uefi' })]);
  });

  it('answers the port-4011 REQUEST by unicast to the client\'s source port', async () => {
    const { server, events } = await startServer({ mode: 'proxy' });
    const proxyPort = server.ports.proxy!;
    const xid = nextXid();
    const mac = nextMac();
    await client.send(clientPacket({ type: T.REQUEST, mac, xid, ciaddr: '127.0.0.150', vendorClass: BIOS_PXE, arch: 0, userClass: ['iPXE'], broadcast: false }), proxyPort, SERVER);
    const ack = await client.waitFor(DhcpTestClient.reply(xid, T.ACK));
    expect(ack.yiaddr).toBe('0.0.0.0');
    expect(ack.ciaddr).toBe('127.0.0.150');
    expect(readOption(ack.options, Opt.bootfileName)).toBe(`http://${SERVER}:8080/boot.ipxe?mac=${mac}`);
    expect(ack.options.has(175)).toBe(false);
    expect(events.proxy).toEqual([expect.objectContaining({ mac, port: proxyPort, kind: 'ack', ipxe: true })]);
  });
});

describe('DhcpServer conflict watch', () => {
  it('notices another DHCP server answering its periodic probe', async () => {
    const watcher = await startServer({ conflictWatch: { passive: true, probeIntervalMs: 50 } });
    const conflict = new Promise<DhcpServerEvents['conflict']>((resolve) => watcher.server.events.on('conflict', resolve));
    // The "foreign" server: another address on the same port, answering to the watcher's client port.
    await startServer({ serverAddress: '127.0.0.2', port: watcher.port, clientPort: watcher.server.ports.watch!, range: { first: '127.0.0.200', last: '127.0.0.210' } });
    const seen = await conflict;
    expect(seen).toMatchObject({ serverId: '127.0.0.2', via: 'probe', offeredAddress: '127.0.0.200' });
    expect(seen.message).toMatch(/another DHCP server \(127\.0\.0\.2\) is handing out addresses/);
    expect(watcher.events.offer).toEqual([]);
  });

  it('notices, without probing, another server\'s OFFER broadcast to some client on the network', async () => {
    const watcher = await startServer({ conflictWatch: { passive: true, probeIntervalMs: 0 } });
    const conflict = new Promise<DhcpServerEvents['conflict']>((resolve) => watcher.server.events.on('conflict', resolve));
    const foreign = await startServer({ serverAddress: '127.0.0.2', clientPort: watcher.server.ports.watch!, range: { first: '127.0.0.220', last: '127.0.0.221' } });
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid: nextXid() }), foreign.port, '127.0.0.2');
    expect(await conflict).toMatchObject({ serverId: '127.0.0.2', via: 'passive', offeredAddress: '127.0.0.220' });
  });

  it('ignores foreign answers to other clients when passive watching is off', async () => {
    const watcher = await startServer({ conflictWatch: { passive: false, probeIntervalMs: 3_600_000 } });
    const foreign = await startServer({ serverAddress: '127.0.0.2', clientPort: watcher.server.ports.watch!, range: { first: '127.0.0.220', last: '127.0.0.221' } });
    // The watcher's own first probe (sent at start) went to a port nobody else serves; the
    // foreign server answers only this stranger, whose OFFER the watcher hears and must not report.
    const xid = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid }), foreign.port, '127.0.0.2');
    await expect.poll(() => foreign.events.offer.length).toBe(1);
    // The foreign OFFER was queued before the watcher's own broadcast OFFER below (one loopback
    // queue), so once the test client has that, the watcher has seen the foreign one too.
    const x2 = nextXid();
    await client.send(clientPacket({ type: T.DISCOVER, mac: nextMac(), xid: x2 }), watcher.port, BCAST);
    await client.waitFor(DhcpTestClient.reply(x2, T.OFFER));
    expect(watcher.events.conflict).toEqual([]);
  });
});
