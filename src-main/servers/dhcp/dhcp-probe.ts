import { randomBytes } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { DhcpCodecError } from '../../protocol/dhcp/dhcp-codec-error.ts';
import { BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, DhcpMessageType } from '../../protocol/dhcp/option-codes.ts';
import { chaddrOf, decodeDhcpPacket, emptyPacket, encodeDhcpPacket, type DhcpPacket } from '../../protocol/dhcp/packet.ts';
import { Opt, readOption, writeOption } from '../../protocol/dhcp/typed-options.ts';
import { DhcpSocketPair } from './dhcp-socket-pair.ts';

/** One DHCP server that answered a probe DISCOVER. */
export interface ForeignDhcpServer {
  /** Option 54, or the packet's source when the server sent none. */
  serverId: string;
  /** UDP source of the answer. */
  address: string;
  /** yiaddr: what it would give (0.0.0.0 for a proxyDHCP server). */
  offeredAddress: string;
  vendorClass?: string;
  bootFile?: string;
  /** Answers like a proxyDHCP/PXE server (vendor class PXEClient). */
  pxe: boolean;
}

export interface ProbeOptions {
  /** Address of the chosen interface; the DISCOVER leaves from it. */
  interfaceAddress: string;
  /** The interface's subnet-directed broadcast (see DhcpSocketPair for why not 255.255.255.255). */
  broadcastAddress: string;
  timeoutMs?: number;
  serverPort?: number;
  clientPort?: number;
  /** chaddr to send; default a random locally administered MAC, so no real client's lease is touched. */
  mac?: string;
  /** Option 60; set to a PXEClient string to also hear proxyDHCP servers. */
  vendorClass?: string;
  /** Option 93, e.g. [0] to look like a BIOS PXE ROM. */
  arch?: number[];
  /** DISCOVERs sent (spread over the timeout), for lossy links. */
  attempts?: number;
}

export interface ProbeResult {
  found: boolean;
  servers: ForeignDhcpServer[];
  /** Set when the probe could not run at all (e.g. port 68 taken); `found` is then false but unknown. */
  error?: string;
}

export function randomLocalMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfc) | 0x02; // locally administered, unicast
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function probeDiscover(xid: number, mac: string, opts: Pick<ProbeOptions, 'vendorClass' | 'arch'>): Uint8Array {
  const p: DhcpPacket = { ...emptyPacket(BOOTREQUEST), xid, flags: BROADCAST_FLAG, chaddr: chaddrOf(mac) };
  writeOption(p.options, Opt.messageType, DhcpMessageType.DISCOVER);
  writeOption(p.options, Opt.clientId, { type: 1, id: chaddrOf(mac).subarray(0, 6) });
  writeOption(p.options, Opt.parameterList, [1, 3, 6, 51, 54, 43, 60, 66, 67]);
  if (opts.vendorClass) writeOption(p.options, Opt.vendorClass, opts.vendorClass);
  if (opts.arch) writeOption(p.options, Opt.clientArch, opts.arch);
  return encodeDhcpPacket(p);
}

/** Reads a server's answer to a probe; null when it is not an OFFER/ACK for `xid`. */
export function answerFrom(data: Uint8Array, from: RemoteInfo, xid: number | null): ForeignDhcpServer | null {
  let p: DhcpPacket;
  try {
    p = decodeDhcpPacket(data);
  } catch (err) {
    if (err instanceof DhcpCodecError) return null;
    throw err;
  }
  if (p.op !== BOOTREPLY || (xid !== null && p.xid !== xid)) return null;
  try {
    const type = readOption(p.options, Opt.messageType);
    if (type !== DhcpMessageType.OFFER && type !== DhcpMessageType.ACK) return null;
    const vendorClass = readOption(p.options, Opt.vendorClass);
    const bootFile = readOption(p.options, Opt.bootfileName) ?? (p.file || undefined);
    const server: ForeignDhcpServer = {
      serverId: readOption(p.options, Opt.serverId) ?? from.address,
      address: from.address,
      offeredAddress: p.yiaddr,
      pxe: vendorClass?.startsWith('PXEClient') ?? false,
    };
    if (vendorClass !== undefined) server.vendorClass = vendorClass;
    if (bootFile !== undefined) server.bootFile = bootFile;
    return server;
  } catch (err) {
    if (err instanceof DhcpCodecError) return null;
    throw err;
  }
}

/**
 * Is there already a DHCP server on this network? Sends DISCOVERs (broadcast flag set, so
 * answers are broadcast and reach us without an address) from the chosen interface and collects
 * every OFFER for our xid until the timeout. Used by `auto` before serving, and periodically while
 * serving in full mode. Never throws for network trouble: `error` says what went wrong.
 */
export async function probeForDhcpServer(opts: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const attempts = Math.max(1, opts.attempts ?? 2);
  const mac = opts.mac ?? randomLocalMac();
  const xid = randomBytes(4).readUInt32BE(0);
  const servers = new Map<string, ForeignDhcpServer>();
  const pair = new DhcpSocketPair({
    address: opts.interfaceAddress,
    port: opts.clientPort ?? 68,
    service: 'DHCP probe',
    onMessage: (data, from) => {
      const answer = answerFrom(data, from, xid);
      if (answer && answer.serverId !== opts.interfaceAddress && !servers.has(answer.serverId)) servers.set(answer.serverId, answer);
    },
    onError: () => {},
  });
  try {
    await pair.bind();
  } catch (err) {
    return { found: false, servers: [], error: (err as Error).message };
  }
  const discover = probeDiscover(xid, mac, opts);
  const timers: NodeJS.Timeout[] = [];
  let sendError: string | undefined;
  try {
    await new Promise<void>((resolve) => {
      for (let i = 0; i < attempts; i++) {
        timers.push(setTimeout(() => {
          pair.send(discover, opts.serverPort ?? 67, opts.broadcastAddress).catch((err: Error) => {
            sendError = `could not send the probe DISCOVER to ${opts.broadcastAddress}: ${err.message}`;
          });
        }, Math.floor((i * timeoutMs) / (attempts + 1))));
      }
      timers.push(setTimeout(resolve, timeoutMs));
    });
  } finally {
    timers.forEach(clearTimeout);
    pair.close();
  }
  const result: ProbeResult = { found: servers.size > 0, servers: [...servers.values()] };
  if (sendError && servers.size === 0) result.error = sendError;
  return result;
}

/**
 * `auto` → a concrete mode, with the sentence the UI shows.
 */
export function decideDhcpMode(probe: ProbeResult): { mode: 'full' | 'proxy'; reason: string } {
  const addressGiving = probe.servers.filter((s) => s.offeredAddress !== '0.0.0.0');
  if (addressGiving.length > 0) {
    const list = addressGiving.map((s) => `${s.serverId} (offered ${s.offeredAddress})`).join(', ');
    return { mode: 'proxy', reason: `another DHCP server answered: ${list}; proxy mode: Bootcast adds only the boot information` };
  }
  if (probe.error) return { mode: 'proxy', reason: `could not check for another DHCP server (${probe.error}); proxy mode is the safe choice` };
  if (probe.servers.length > 0) return { mode: 'full', reason: `only proxyDHCP servers answered (${probe.servers.map((s) => s.serverId).join(', ')}), nobody gives addresses: full mode` };
  return { mode: 'full', reason: 'no DHCP server answered on this network: full mode (Bootcast gives addresses)' };
}
