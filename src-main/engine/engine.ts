import { mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hostResolvers, chooseClientDns } from '../net/host-resolvers.ts';
import { listInterfaces, subnetBroadcast } from '../net/interfaces.ts';
import { createNatController } from '../net/nat/nat-platform.ts';
import type { NatController } from '../net/nat/nat-controller.ts';
import { DhcpServer } from '../servers/dhcp/dhcp-server.ts';
import { decideDhcpMode, probeForDhcpServer } from '../servers/dhcp/dhcp-probe.ts';
import { DnsForwarder } from '../servers/dns-forwarder.ts';
import { HttpServer } from '../servers/http/http-server.ts';
import { NbdServer, fileExport } from '../servers/nbd/index.ts';
import { TftpServer } from '../servers/tftp/tftp-server.ts';
import type {
  ApiArg, ApiClient, ApiEvent, ApiEvents, ApiMethod, ApiMethods, ApiResult, ClientSummary, LogEntry, NatState, NetInterfaceInfo, ServerSettings, ServerState,
} from '../shared/api.ts';
import { DisposableStore, type Disposable } from '../shared/disposable.ts';
import { resolveLimits, type ServerLimits } from '../shared/server-limits.ts';
import { Emitter } from '../shared/emitter.ts';
import { normalizeMac } from '../shared/mac.ts';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { BootAnswers } from './boot-answers.ts';
import { BootFiles } from './boot-files.ts';
import { SecureBootClientChooser } from './secure-boot-clients.ts';
import { ClientIdentity } from './client-identity.ts';
import { EventLog } from './event-log.ts';
import { ImageLibrary } from './image-library.ts';
import { LogRing } from './log-ring.ts';
import { LoaderAttempts } from './loader-attempts.ts';
import { RunningServices } from './running-services.ts';
import { mergeSettings, SettingsStore } from './settings-store.ts';
import { ClientTimeline } from './timeline/client-timeline.ts';
import { TimelineFeed } from './timeline/timeline-feed.ts';
import { ServerEventMapper } from './timeline/server-event-mapper.ts';
import { cliStartNotice, currentPrivilegeFacts } from '../net/port-privileges.ts';
import { buildDiagnostics } from './diagnostics-report.ts';
import { findWimboot } from './wimboot-file.ts';

export interface EngineOptions {
  dataDir: string;
  /** The folder holding ipxe/…; defaults to the repository's (or the unpacked app's) resources. */
  resourcesDir?: string;
  /** Network interfaces; the real ones by default (tests inject their own). */
  listInterfaces?: () => NetInterfaceInfo[];
  nat?: NatController;
  /** How long `auto` listens for another DHCP server before choosing. */
  probeTimeoutMs?: number;
  /** `--wimboot PATH`: the wimboot Windows plans boot through (else $BOOTCAST_WIMBOOT, else <dataDir>/wimboot). */
  wimboot?: string;
  /** Serve exactly these images instead of the saved library (bootcast serve IMAGE…). */
  images?: string[];
  /** Also told about every log line (the CLI prints them). */
  onLog?: (entry: LogEntry) => void;
  /** Named in exported diagnostics. */
  appVersion?: string;
}

/** Thrown by commands; the message is meant for the technician. */
export class EngineError extends Error {
  constructor(message: string, readonly code = 'engine') {
    super(message);
    this.name = 'EngineError';
  }
}

const DEFAULT_RESOURCES = fileURLToPath(new URL('../../resources', import.meta.url));

/** Looked up on every use, so a wimboot placed in the data directory while Bootcast runs is found. */
function suppliedWimboot(o: EngineOptions) {
  return findWimboot({ dataDir: o.dataDir, path: o.wimboot });
}

/**
 * Bootcast's engine: the image library, the DHCP/TFTP/HTTP/NBD servers, boot scripts, the
 * per-client timeline and NAT, behind the one API contract (src-main/shared/api.ts). It imports
 * nothing from Electron: the desktop app and `bootcast serve` are two thin hosts over it, and it
 * is itself an ApiClient, so a host only moves `call`/`on` across its transport.
 */
export class Engine implements ApiClient {
  private readonly api = new Emitter<ApiEvents>();
  private readonly timelineSinks = new Emitter<{ event: TimelineEvent }>();
  private readonly store = new DisposableStore();
  private readonly logRing = new LogRing(2000);
  private readonly identity: ClientIdentity;
  private readonly timeline: ClientTimeline;
  private readonly feed: TimelineFeed;
  private readonly bootFiles: BootFiles;
  private readonly answers: BootAnswers;
  private readonly loaderAttempts = new LoaderAttempts();
  private services = new RunningServices();
  private state: ServerState = { phase: 'stopped', services: [], errors: [], warnings: [] };
  private transition: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly o: EngineOptions,
    private settings: ServerSettings,
    private readonly settingsStore: SettingsStore,
    readonly library: ImageLibrary,
    private readonly eventLog: EventLog,
    private readonly nat: NatController,
    private readonly secureBootClients: SecureBootClientChooser,
  ) {
    this.identity = new ClientIdentity();
    this.timeline = new ClientTimeline({ resolveMac: (ip) => this.identity.resolve(ip) });
    this.answers = new BootAnswers({
      library,
      settings: () => this.settings,
      log: (...a) => this.log(...a),
      record: (e) => this.feed.push(e),
      secureBootClients,
      resolveMac: (ip) => this.identity.resolve(ip),
      loaderHistory: (mac) => this.loaderAttempts.history(mac),
    });
    const mapper = new ServerEventMapper({ classify: (_protocol, path) => this.answers.classifyPath(path) });
    this.feed = new TimelineFeed({
      identity: this.identity,
      timeline: this.timeline,
      mapper,
      sinks: [
        (e) => this.answers.observeForChainChoice(e),
        (e) => this.loaderAttempts.observe(e),
        (e) => this.eventLog.append(e),
        (e) => this.timelineSinks.emit('event', e),
        (e) => this.api.emit('timeline.event', e),
      ],
      onSinkError: (err) => this.log('warn', 'engine', `a timeline consumer failed: ${(err as Error).message}`),
    });
    this.store.add(this.feed);
    this.store.add(this.timeline.events.on('updated', (s) => this.api.emit('clients.updated', this.withSecureBoot(s))));
    this.store.add(this.timeline.events.on('cleared', () => this.api.emit('clients.cleared', undefined)));
    this.store.add(this.timeline.events.on('evicted', ({ mac }) => this.api.emit('clients.removed', { mac })));
    this.store.add(this.timeline.events.on('stalled', (n) => this.log('warn', 'timeline', `${n.summary.mac}: ${n.hint.text}`, n.summary.mac)));
    this.store.add(this.nat.events.on('changed', (s) => this.api.emit('nat.state', s)));
    this.store.add(
      this.nat.events.on('log', (l) => {
        this.log(l.level, 'nat', l.message);
        this.feed.push({ ts: new Date().toISOString(), kind: 'nat.changed', message: l.message, level: l.level });
      }),
    );
    this.bootFiles = new BootFiles({
      library,
      resourcesDir: o.resourcesDir ?? DEFAULT_RESOURCES,
      wimbootPath: () => suppliedWimboot(o).path,
      bootScript: (ctx) => this.answers.script(ctx),
      grubConfig: (ctx) => this.answers.grubConfig(ctx),
    });
  }

  static async create(o: EngineOptions): Promise<Engine> {
    await mkdir(o.dataDir, { recursive: true });
    const settingsStore = new SettingsStore(o.dataDir);
    const settings = await settingsStore.load();
    const library = new ImageLibrary(o.dataDir, o.images === undefined, () => suppliedWimboot(o));
    await library.restore();
    if (o.images) await library.add(o.images);
    let engine: Engine | undefined;
    const eventLog = await EventLog.open({ dataDir: o.dataDir, onError: (err) => engine?.log('warn', 'log', `cannot write the event log: ${err.message}`) });
    const nat = o.nat ?? createNatController({ dataDir: o.dataDir });
    const secureBootClients = new SecureBootClientChooser(o.dataDir, settings.secureBootClients, (err) =>
      engine?.log('warn', 'secure-boot', `cannot remember Secure Boot machines: ${err.message}`),
    );
    await secureBootClients.load();
    engine = new Engine(o, settings, settingsStore, library, eventLog, nat, secureBootClients);
    // A previous run that crashed with sharing on left rules behind: undo them before anything else.
    const recovered = await nat.recover().catch((err: Error) => ({ error: err.message }) as Partial<NatState>);
    if (recovered.error) engine.log('warn', 'nat', recovered.error);
    return engine;
  }

  // ---- ApiClient -------------------------------------------------------------------------

  async call<M extends ApiMethod>(method: M, arg: ApiArg<M>): Promise<ApiResult<M>> {
    const handler = this.handlers[method] as (a: ApiArg<M>) => Promise<ApiResult<M>> | ApiResult<M>;
    if (!handler) throw new EngineError(`unknown command '${String(method)}'`, 'unknown-method');
    return await handler(arg);
  }

  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const d = this.api.on(event, listener);
    return () => d.dispose();
  }

  private readonly handlers: { [M in ApiMethod]: (arg: ApiMethods[M][0]) => Promise<ApiMethods[M][1]> | ApiMethods[M][1] } = {
    'images.list': () => this.library.list(),
    'images.add': async ({ paths }) => {
      if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new EngineError('images.add takes { paths: string[] }', 'bad-argument');
      // Refuse the whole batch when a path is wrong: a card for a file that is not there helps nobody.
      for (const p of paths) {
        const st = await stat(p).catch(() => null);
        if (!st) throw new EngineError(`There is no file at ${p}. Check the path (it is read on the machine running Bootcast).`, 'not-found');
        if (!st.isFile()) throw new EngineError(`${p} is a folder, not an image file: choose the .iso inside it.`, 'bad-argument');
      }
      const added = await this.library.add(paths);
      for (const img of added) {
        if (img.error) this.log('error', 'images', `${img.path}: ${img.error}`);
        else this.log('info', 'images', `added ${img.fileName}: ${img.distro ?? img.volumeId ?? 'unknown distribution'}, recipe ${img.recipe ?? 'none'}`);
      }
      this.api.emit('images.changed', this.library.list());
      return added;
    },
    'images.remove': async ({ id }) => {
      await this.library.remove(id).catch((err: Error) => {
        throw new EngineError(err.message, 'not-found');
      });
      this.api.emit('images.changed', this.library.list());
    },
    'images.selectPlan': async ({ id, planId }) => {
      const info = await this.library.selectPlan(id, planId).catch((err: Error) => {
        throw new EngineError(err.message, 'bad-argument');
      });
      this.api.emit('images.changed', this.library.list());
      return info;
    },
    'network.interfaces': () => this.interfaces(),
    'server.state': () => this.snapshot(),
    'server.settings': () => ({ ...this.settings, ports: { ...this.settings.ports } }),
    'server.updateSettings': async (change) => {
      let next: ServerSettings;
      try {
        next = mergeSettings(this.settings, change ?? {}, { interfaces: this.interfaces() });
      } catch (err) {
        throw new EngineError((err as Error).message, 'bad-argument');
      }
      // The Secure Boot choice is read per DHCP request: no need to restart the servers for it.
      const needsRestart = JSON.stringify({ ...this.settings, secureBootClients: '' }) !== JSON.stringify({ ...next, secureBootClients: '' });
      this.settings = next;
      this.secureBootClients.setMode(next.secureBootClients);
      await this.settingsStore.save(next);
      // Running servers pick the change up at once: restart them with the new settings.
      if (needsRestart && (this.state.phase === 'running' || this.state.phase === 'error')) await this.restart();
      return { ...this.settings };
    },
    // The headless host's words; the desktop answers this itself (it asks for a password instead).
    'server.privileges': () => ({ notice: cliStartNotice(this.settings, currentPrivilegeFacts()) }),
    'server.start': () => this.start(),
    'server.stop': () => this.stop(),
    'clients.list': () => this.timeline.list().map((c) => this.withSecureBoot(c)),
    'clients.get': ({ mac }) => {
      const c = this.timeline.get(mac);
      return c ? this.withSecureBoot(c) : null;
    },
    'clients.setSecureBoot': async ({ mac, secureBoot } = {} as never) => {
      const m = normalizeMac(mac);
      if (!m || typeof secureBoot !== 'boolean') throw new EngineError('clients.setSecureBoot takes { mac: "52:54:00:12:34:56", secureBoot: true|false }', 'bad-argument');
      this.secureBootClients.set(m, secureBoot);
      await this.secureBootClients.flush();
      this.log('info', 'secure-boot', `${m}: ${secureBoot ? 'marked as a Secure Boot machine: it gets the signed chain' : 'marked as without Secure Boot: it gets iPXE'} (by the technician)`, m);
      const c = this.timeline.get(m);
      if (!c) return null;
      const summary = this.withSecureBoot(c);
      this.api.emit('clients.updated', summary);
      return summary;
    },
    'clients.clear': () => {
      this.timeline.clear();
      this.identity.clear();
    },
    'nat.state': () => this.nat.refresh(this.settings.interface ?? undefined),
    'nat.enable': async ({ uplink } = {}) => {
      const lan = this.lanCidr();
      if (!lan) throw new EngineError('choose the network interface facing the machines to boot before sharing the internet with them', 'no-interface');
      if (this.interfaces().find((i) => i.name === lan.name)?.internal) {
        throw new EngineError(`internet sharing needs a real network interface facing the machines, not the loopback interface ${lan.name}`, 'bad-argument');
      }
      return this.nat.enable({ lanInterface: lan.name, lanCidr: lan.cidr, uplink });
    },
    'nat.disable': () => this.nat.disable(),
    'log.recent': ({ limit } = {}) => this.logRing.recent({ limit }),
    'diagnostics.export': () => buildDiagnostics(this, { host: 'headless', versions: { bootcast: this.o.appVersion } }),
    'log.export': async () => {
      await this.eventLog.flush();
      return this.eventLog.exportText();
    },
  };

  // ---- for hosts -------------------------------------------------------------------------

  /** Every timeline event, attributed to a client where possible (the `--events` stream). */
  onTimelineEvent(sink: (event: TimelineEvent) => void): Disposable {
    return this.timelineSinks.on('event', sink);
  }

  /** The bounds in force: DEFAULT_LIMITS with the settings' overrides. */
  limits(): ServerLimits {
    return resolveLimits(this.settings.limits);
  }

  log(level: LogEntry['level'], source: string, message: string, client?: string): void {
    const entry: LogEntry = { ts: new Date().toISOString(), level, source, message, ...(client ? { client } : {}) };
    this.logRing.add(entry);
    this.api.emit('log.entry', entry);
    this.o.onLog?.(entry);
  }

  /** A client's summary with whether it gets the signed chain (remembered per MAC). */
  private withSecureBoot<C extends ClientSummary>(c: C): C {
    const sb = this.secureBootClients.isSecureBoot(c.mac);
    return sb === undefined ? c : { ...c, secureBoot: sb };
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.nat.state().enabled) await this.nat.disable().catch(() => undefined);
    this.store.dispose();
    this.timeline.dispose();
    await this.eventLog.close();
    await this.library.close();
  }

  // ---- servers ---------------------------------------------------------------------------

  private interfaces(): NetInterfaceInfo[] {
    return (this.o.listInterfaces ?? listInterfaces)();
  }

  private snapshot(): ServerState {
    return { ...this.state, services: this.services.statuses(), errors: [...this.state.errors], warnings: [...this.state.warnings] };
  }

  private setState(change: Partial<ServerState>): ServerState {
    this.state = { ...this.state, ...change };
    const snap = this.snapshot();
    this.api.emit('server.state', snap);
    return snap;
  }

  /** Start/stop/restart never overlap: each waits for the previous transition. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.transition.then(fn, fn);
    this.transition = next.catch(() => undefined);
    return next;
  }

  start(): Promise<ServerState> {
    return this.serialize(() => this.doStart());
  }

  stop(): Promise<ServerState> {
    return this.serialize(() => this.doStop());
  }

  private restart(): Promise<ServerState> {
    return this.serialize(async () => {
      await this.doStop();
      return this.doStart();
    });
  }

  private lanCidr(): { name: string; address: string; prefixLength: number; cidr: string } | null {
    const name = this.settings.interface;
    if (!name) return null;
    const iface = this.interfaces().find((i) => i.name === name);
    const addr = iface?.addresses[0];
    if (!addr) return null;
    return { name, address: addr.address, prefixLength: addr.prefixLength, cidr: `${addr.address}/${addr.prefixLength}` };
  }

  private async doStart(): Promise<ServerState> {
    if (this.state.phase === 'running') return this.snapshot();
    const s = this.settings;
    const fail = (message: string) => {
      this.log('error', 'server', message);
      return this.setState({ phase: 'error', errors: [message] });
    };
    if (!s.interface) return fail('Choose the network interface facing the machines to boot (bootcast serve --interface NAME).');
    const all = this.interfaces();
    const iface = all.find((i) => i.name === s.interface);
    if (!iface) {
      return fail(`There is no network interface called '${s.interface}'. Interfaces here: ${all.map((i) => i.name).join(', ') || 'none'}.`);
    }
    const addr = iface.addresses[0];
    if (!addr) return fail(`Interface ${iface.name} has no IPv4 address. Give it one (e.g. a static 198.18.0.1/24 on a dedicated boot network) and start again.`);
    if (!iface.up) this.state.warnings = [`Interface ${iface.name} reports no link: is the cable plugged in?`];
    else this.state.warnings = [];

    this.answers.serveAt(addr.address, `http://${addr.address}${s.ports.http === 80 ? '' : `:${s.ports.http}`}`);
    const broadcast = subnetBroadcast(addr.address, addr.prefixLength);
    let mode: 'full' | 'proxy' | 'off' = s.dhcpMode === 'auto' ? 'proxy' : s.dhcpMode;
    let decision = '';
    this.setState({ phase: s.dhcpMode === 'auto' ? 'probing' : 'starting', interface: iface.name, address: addr.address, errors: [] });
    if (s.dhcpMode === 'auto') {
      const probe = await probeForDhcpServer({
        interfaceAddress: addr.address,
        broadcastAddress: broadcast,
        timeoutMs: this.o.probeTimeoutMs ?? 2500,
        serverPort: s.ports.dhcp,
      });
      const d = decideDhcpMode(probe);
      mode = d.mode;
      decision = d.reason;
    } else {
      decision = {
        full: 'full mode chosen: Bootcast gives addresses (use it only on a network without another DHCP server)',
        proxy: 'proxy mode chosen: the network\'s own DHCP server gives addresses, Bootcast adds the boot information',
        off: 'DHCP off: another server must point clients at this one',
      }[mode];
    }
    this.log('info', 'dhcp', decision);
    this.setState({ phase: 'starting', effectiveDhcpMode: mode, dhcpDecision: decision });
    this.answers.dhcpModeIs(mode);

    const services = new RunningServices();
    this.services = services;
    const limits = this.limits();
    try {
      const http = new HttpServer({ address: addr.address, port: s.ports.http, source: this.bootFiles, limits });
      await services.start('http', http, addr.address, s.ports.http, () => [
        this.feed.attachHttp(http.events),
        http.events.on('warning', (w) => this.serverWarning('http', w.message)),
      ]);
      const tftp = new TftpServer({
        address: addr.address,
        port: s.ports.tftp,
        source: this.bootFiles,
        maxTransfers: limits.tftpMaxTransfers,
        maxTransfersPerAddress: limits.tftpMaxTransfersPerAddress,
        maxTimeoutSec: limits.tftpMaxTimeoutSec,
        retriesBeforeFirstAck: limits.tftpRetriesBeforeFirstAck,
      });
      await services.start('tftp', tftp, addr.address, s.ports.tftp, () => [
        this.feed.attachTftp(tftp.events),
        tftp.events.on('warning', (w) => this.serverWarning('tftp', w.message)),
      ]);
      const nbd = new NbdServer({
        address: addr.address,
        port: s.ports.nbd,
        limits,
        exports: {
          // Ids only: file names say what the technician is installing to anyone on the LAN.
          list: limits.nbdListExports ? () => this.library.list().filter((i) => !i.error).map((i) => ({ name: i.id })) : undefined,
          open: async (name) => {
            const img = this.library.get(name);
            return img && !img.info.error ? fileExport(img.info.path) : null;
          },
        },
      });
      await services.start('nbd', nbd, addr.address, s.ports.nbd, () => [
        this.feed.attachNbd(nbd.events),
        nbd.events.on('warning', (w) => this.serverWarning('nbd', w.message)),
      ]);
      if (mode !== 'off') {
        let dns: string[] | undefined;
        if (mode === 'full') {
          const choice = chooseClientDns(await hostResolvers().catch(() => ({ servers: [], stubs: [], sources: [] })), addr.address);
          dns = choice.servers;
          if (choice.forwarder) {
            // The host only has a local stub resolver (127.0.0.53): relay DNS on the PXE address.
            // Not fatal when port 53 is taken: clients then get no DNS server, and the UI says so.
            const fwd = new DnsForwarder({ address: addr.address, port: 53, upstreams: choice.forwarder.upstreams });
            try {
              await services.start('dns', fwd, addr.address, 53);
              this.log('info', 'dns', choice.why);
            } catch (err) {
              dns = [];
              this.state.warnings.push(`DNS relay not started, clients get no DNS server: ${(err as Error).message}`);
            }
          }
        }
        const dhcp = new DhcpServer({
          mode,
          serverAddress: addr.address,
          prefixLength: addr.prefixLength,
          // broadcastAddress left to DhcpServer: 255.255.255.255 from the address-bound socket on
          // Linux (EDK2 ignores offers to a subnet-directed broadcast), see DhcpSocketPair.
          port: s.ports.dhcp,
          proxyPort: s.ports.proxyDhcp,
          range: s.range,
          // In full mode Bootcast is the only router the clients know; with sharing on it forwards.
          router: mode === 'full' ? addr.address : undefined,
          dns,
          dataDir: this.o.dataDir,
          bootPolicy: this.answers.policy(),
          conflictWatch: mode === 'full' ? { passive: true, probeIntervalMs: 60_000 } : undefined,
        });
        await services.start(mode === 'proxy' ? 'proxyDhcp' : 'dhcp', dhcp, addr.address, s.ports.dhcp, () => [
          this.feed.attachDhcp(dhcp.events),
          dhcp.events.on('conflict', (c) => {
            this.state.warnings.push(c.message);
            this.log('error', 'dhcp', c.message);
            this.setState({});
          }),
          dhcp.events.on('warning', (w) => this.log('warn', 'dhcp', w.message)),
        ]);
      }
    } catch (err) {
      await services.stopAll();
      const message = (err as Error).message;
      this.log('error', 'server', message);
      return this.setState({ phase: 'error', errors: [message] });
    }
    const st = this.setState({ phase: 'running' });
    const list = st.services.map((x) => `${x.name} :${x.port}`).join(', ');
    this.log('info', 'server', `serving on ${iface.name} (${addr.address}): DHCP ${mode}, ${list}`);
    return st;
  }

  /** A limit reached or a request dropped: the log and the timeline's server notices. */
  private serverWarning(source: 'tftp' | 'http' | 'nbd', message: string): void {
    this.log('warn', source, message);
    this.feed.push({ ts: new Date().toISOString(), kind: 'server.warning', source, message });
  }

  private async doStop(): Promise<ServerState> {
    if (this.state.phase === 'stopped') return this.snapshot();
    this.setState({ phase: 'stopping' });
    const errors = await this.services.stopAll();
    if (errors.length) this.log('warn', 'server', `while stopping: ${errors.join('; ')}`);
    this.log('info', 'server', 'stopped');
    return this.setState({ phase: 'stopped', effectiveDhcpMode: undefined, dhcpDecision: undefined, errors: [], warnings: [] });
  }
}
