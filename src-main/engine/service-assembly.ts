import { chooseClientDns, hostResolvers } from '../net/host-resolvers.ts';
import { DhcpServer } from '../servers/dhcp/dhcp-server.ts';
import type { DhcpServerOptions } from '../servers/dhcp/dhcp-server-options.ts';
import { decideDhcpMode, probeForDhcpServer } from '../servers/dhcp/dhcp-probe.ts';
import { DnsForwarder } from '../servers/dns-forwarder.ts';
import { HttpServer } from '../servers/http/http-server.ts';
import { NbdServer, fileExport } from '../servers/nbd/index.ts';
import { TftpServer } from '../servers/tftp/tftp-server.ts';
import type { LogEntry, ServerSettings, SetupShareState } from '../shared/api.ts';
import type { ServerLimits } from '../shared/server-limits.ts';
import type { BootAnswers } from './boot-answers.ts';
import type { BootFiles } from './boot-files.ts';
import type { ImageLibrary } from './image-library.ts';
import { RunningServices } from './running-services.ts';
import { startSetupShare, type ShareSeams } from './setup-share-run.ts';
import type { TimelineFeed } from './timeline/timeline-feed.ts';

/**
 * Service assembly: which DHCP mode to run (asking the network when the setting is `auto`), and
 * the servers of one run built, wired to the timeline feed and started in order (HTTP, TFTP, NBD,
 * the Windows Setup share when a Setup image is served, then DNS and DHCP when DHCP is on). The engine owns the lifecycle around it (state, stop).
 */
export type EffectiveDhcpMode = 'full' | 'proxy' | 'off';

export interface ServiceAssemblyContext {
  library: ImageLibrary;
  bootFiles: BootFiles;
  answers: BootAnswers;
  feed: TimelineFeed;
  dataDir: string;
  /** The bounds in force for this run. */
  limits: ServerLimits;
  log: (level: LogEntry['level'], source: string, message: string) => void;
  /** A limit reached or a request dropped by a file server. */
  serverWarning: (source: 'tftp' | 'http' | 'nbd', message: string) => void;
  /** A problem worth showing on the server state that does not stop the run. */
  warn: (message: string) => void;
  /** How the Windows Setup share of this run stands (undefined: no Setup image served). */
  setupShare: (state: SetupShareState | undefined) => void;
  shareSeams?: ShareSeams;
}

/** The mode DHCP runs in, and the sentence that explains the choice to the technician. */
export async function chooseDhcpMode(s: ServerSettings, address: string, broadcast: string, probeTimeoutMs: number): Promise<{ mode: EffectiveDhcpMode; decision: string }> {
  if (s.dhcpMode === 'auto') {
    const probe = await probeForDhcpServer({ interfaceAddress: address, broadcastAddress: broadcast, timeoutMs: probeTimeoutMs, serverPort: s.ports.dhcp });
    const d = decideDhcpMode(probe);
    return { mode: d.mode, decision: d.reason };
  }
  const decision = {
    full: 'full mode chosen: Bootcast gives addresses (use it only on a network without another DHCP server)',
    proxy: 'proxy mode chosen: the network\'s own DHCP server gives addresses, Bootcast adds the boot information',
    off: 'DHCP off: another server must point clients at this one',
  }[s.dhcpMode];
  return { mode: s.dhcpMode, decision };
}

/**
 * Starts every server of a run on `addr` into `services` (so the caller can stop whatever did
 * start when a later one fails). Throws the first start error.
 */
export async function startServices(
  services: RunningServices,
  ctx: ServiceAssemblyContext,
  s: ServerSettings,
  addr: { address: string; prefixLength: number },
  mode: EffectiveDhcpMode,
): Promise<void> {
  const { address } = addr;
  const { limits } = ctx;
  const http = new HttpServer({ address, port: s.ports.http, source: ctx.bootFiles, limits });
  await services.start('http', http, address, s.ports.http, () => [
    ctx.feed.attachHttp(http.events),
    http.events.on('warning', (w) => ctx.serverWarning('http', w.message)),
  ]);
  const tftp = new TftpServer({
    address,
    port: s.ports.tftp,
    source: ctx.bootFiles,
    maxTransfers: limits.tftpMaxTransfers,
    maxTransfersPerAddress: limits.tftpMaxTransfersPerAddress,
    maxTimeoutSec: limits.tftpMaxTimeoutSec,
    retriesBeforeFirstAck: limits.tftpRetriesBeforeFirstAck,
  });
  await services.start('tftp', tftp, address, s.ports.tftp, () => [
    ctx.feed.attachTftp(tftp.events),
    tftp.events.on('warning', (w) => ctx.serverWarning('tftp', w.message)),
  ]);
  const nbd = new NbdServer({
    address,
    port: s.ports.nbd,
    limits,
    exports: {
      // Ids only: file names say what the technician is installing to anyone on the LAN.
      list: limits.nbdListExports ? () => ctx.library.list().filter((i) => !i.error).map((i) => ({ name: i.id })) : undefined,
      open: async (name) => {
        const img = ctx.library.get(name);
        return img && !img.info.error ? fileExport(img.info.path) : null;
      },
    },
  });
  await services.start('nbd', nbd, address, s.ports.nbd, () => [
    ctx.feed.attachNbd(nbd.events),
    nbd.events.on('warning', (w) => ctx.serverWarning('nbd', w.message)),
  ]);
  // Before DHCP: a machine that boots Setup at once must find the share already there.
  ctx.setupShare(await startSetupShare(services, { images: ctx.library.list(), settings: s, address, dataDir: ctx.dataDir, seams: ctx.shareSeams }));
  if (mode === 'off') return;

  const dns = mode === 'full' ? await startDnsFor(services, ctx, address) : undefined;
  const options: DhcpServerOptions = {
    mode,
    serverAddress: address,
    prefixLength: addr.prefixLength,
    // broadcastAddress left to DhcpServer: 255.255.255.255 from the address-bound socket on
    // Linux (EDK2 ignores offers to a subnet-directed broadcast), see DhcpSocketPair.
    port: s.ports.dhcp,
    proxyPort: s.ports.proxyDhcp,
    range: s.range,
    // In full mode Bootcast is the only router the clients know; with sharing on it forwards.
    router: mode === 'full' ? address : undefined,
    dns,
    dataDir: ctx.dataDir,
    bootPolicy: ctx.answers.policy(),
    conflictWatch: mode === 'full' ? { passive: true, probeIntervalMs: 60_000 } : undefined,
  };
  const dhcp = new DhcpServer(options);
  await services.start(mode === 'proxy' ? 'proxyDhcp' : 'dhcp', dhcp, address, s.ports.dhcp, () => [
    ctx.feed.attachDhcp(dhcp.events),
    dhcp.events.on('conflict', (c) => {
      ctx.log('error', 'dhcp', c.message);
      ctx.warn(c.message);
    }),
    dhcp.events.on('warning', (w) => ctx.log('warn', 'dhcp', w.message)),
  ]);
}

/** The DNS servers full-mode clients are told about, relaying on the PXE address when the host only has a local stub. */
async function startDnsFor(services: RunningServices, ctx: ServiceAssemblyContext, address: string): Promise<string[]> {
  const choice = chooseClientDns(await hostResolvers().catch(() => ({ servers: [], stubs: [], sources: [] })), address);
  if (!choice.forwarder) return choice.servers;
  // The host only has a local stub resolver (127.0.0.53): relay DNS on the PXE address.
  // Not fatal when port 53 is taken: clients then get no DNS server, and the UI says so.
  const fwd = new DnsForwarder({ address, port: 53, upstreams: choice.forwarder.upstreams });
  try {
    await services.start('dns', fwd, address, 53);
    ctx.log('info', 'dns', choice.why);
    return choice.servers;
  } catch (err) {
    ctx.warn(`DNS relay not started, clients get no DNS server: ${(err as Error).message}`);
    return [];
  }
}
