import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bootInterfaceChoices, listInterfaces, subnetBroadcast } from '../net/interfaces.ts';
import { createNatController } from '../net/nat/nat-platform.ts';
import type { NatController } from '../net/nat/nat-controller.ts';
import type {
  ApiArg, ApiClient, ApiEvent, ApiEvents, ApiMethod, ApiResult, ClientSummary, LogEntry, NatState, NetInterfaceInfo, ServerSettings, ServerState,
} from '../shared/api.ts';
import { DisposableStore, type Disposable } from '../shared/disposable.ts';
import { resolveLimits, type ServerLimits } from '../shared/server-limits.ts';
import { Emitter } from '../shared/emitter.ts';
import type { TimelineEvent } from '../shared/timeline-event.ts';
import { apiHandlers, type ApiHandlers } from './api-handlers.ts';
import { BootAnswers } from './boot-answers.ts';
import { EngineError } from './engine-error.ts';
import { BootFiles } from './boot-files.ts';
import { SecureBootClientChooser } from './secure-boot-clients.ts';
import { ClientIdentity } from './client-identity.ts';
import { EventLog } from './event-log.ts';
import { ImageLibrary } from './image-library.ts';
import { LogRing } from './log-ring.ts';
import { LoaderAttempts } from './loader-attempts.ts';
import { RunningServices } from './running-services.ts';
import { chooseDhcpMode, startServices, type ServiceAssemblyContext } from './service-assembly.ts';
import { SettingsStore } from './settings-store.ts';
import { ClientTimeline } from './timeline/client-timeline.ts';
import type { Clock } from './timeline/clock.ts';
import { TimelineFeed } from './timeline/timeline-feed.ts';
import { ServerEventMapper } from './timeline/server-event-mapper.ts';
import { cliStartNotice, currentPrivilegeFacts } from '../net/port-privileges.ts';
import { buildDiagnostics } from './diagnostics-report.ts';
import { findWimboot } from './wimboot-file.ts';
import { recoverSetupShare } from '../net/setup-share/setup-share-service.ts';
import { setupSourceView, shareAnnouncement, type ShareSeams } from './setup-share-run.ts';
import { windowsSetupFile } from './windows-setup-files.ts';

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
  /**
   * Tests only, and only in-process (no host sets it; nothing in the API reaches it): the
   * timeline's clock, and a hook handed the timeline feed's entry point, so a test can replay a
   * recorded real boot into the engine at its recorded pace.
   */
  testSeam?: { clock?: Clock; onFeed?: (push: (event: TimelineEvent) => void) => void; setupShare?: ShareSeams };
}

export { EngineError } from './engine-error.ts';

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
 * This file owns the parts' wiring and the server lifecycle (start/stop/restart, state); the
 * commands live in api-handlers.ts, the servers of one run are built in service-assembly.ts.
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
    const clock = o.testSeam?.clock;
    this.timeline = new ClientTimeline({ resolveMac: (ip) => this.identity.resolve(ip), ...(clock ? { clock } : {}) });
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
    o.testSeam?.onFeed?.((e) => this.feed.push(e));
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
      windowsSetupFile: (info, name) => windowsSetupFile(info, name, this.state.setupShare, this.state.address ?? ''),
    });
    library.useSetupSource((info) => setupSourceView(info, this.state.setupShare, this.state.phase === 'running', this.settings, o.testSeam?.setupShare));
    this.handlers = apiHandlers({
      library: this.library,
      timeline: this.timeline,
      identity: this.identity,
      nat: this.nat,
      logRing: this.logRing,
      eventLog: this.eventLog,
      api: this.api,
      log: (level, source, message, client) => this.log(level, source, message, client),
      secureBootClients: this.secureBootClients,
      withSecureBoot: (c) => this.withSecureBoot(c),
      interfaces: () => this.interfaces(),
      bootInterfaces: () => bootInterfaceChoices(this.interfaces()),
      snapshot: () => this.snapshot(),
      settings: () => this.settings,
      applySettings: async (next) => {
        // The Secure Boot choice is read per DHCP request: no need to restart the servers for it.
        const needsRestart = JSON.stringify({ ...this.settings, secureBootClients: '' }) !== JSON.stringify({ ...next, secureBootClients: '' });
        this.settings = next;
        this.secureBootClients.setMode(next.secureBootClients);
        await this.settingsStore.save(next);
        // Running servers pick the change up at once: restart them with the new settings.
        if (needsRestart && (this.state.phase === 'running' || this.state.phase === 'error')) await this.restart();
      },
      start: () => this.start(),
      stop: () => this.stop(),
      lanCidr: () => this.lanCidr(),
      // The headless host's words; the desktop answers this itself (it asks for a password instead).
      privileges: () => ({ notice: cliStartNotice(this.settings, currentPrivilegeFacts()) }),
      diagnostics: () => buildDiagnostics(this, { host: 'headless', versions: { bootcast: this.o.appVersion } }),
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
    // Likewise an smbd or ISO mount of the Windows Setup share.
    const undone = await recoverSetupShare(o.dataDir, o.testSeam?.setupShare?.mounter).catch((err: Error) => [`could not undo the last run's Windows Setup share: ${err.message}`]);
    for (const line of undone) engine.log('warn', 'smb', `left by an earlier run: ${line}`);
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

  private readonly handlers: ApiHandlers;

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
    this.setState({ phase: s.dhcpMode === 'auto' ? 'probing' : 'starting', interface: iface.name, address: addr.address, errors: [] });
    const { mode, decision } = await chooseDhcpMode(s, addr.address, subnetBroadcast(addr.address, addr.prefixLength), this.o.probeTimeoutMs ?? 2500);
    this.log('info', 'dhcp', decision);
    this.setState({ phase: 'starting', effectiveDhcpMode: mode, dhcpDecision: decision });
    this.answers.dhcpModeIs(mode);

    const services = new RunningServices();
    this.services = services;
    const ctx: ServiceAssemblyContext = {
      library: this.library,
      bootFiles: this.bootFiles,
      answers: this.answers,
      feed: this.feed,
      dataDir: this.o.dataDir,
      limits: this.limits(),
      log: (level, source, message) => this.log(level, source, message),
      serverWarning: (source, message) => this.serverWarning(source, message),
      warn: (message) => {
        this.state.warnings.push(message);
        this.setState({});
      },
      setupShare: (share) => this.setupShareIs(share),
      shareSeams: this.o.testSeam?.setupShare,
    };
    try {
      await startServices(services, ctx, s, addr, mode);
    } catch (err) {
      await services.stopAll();
      const message = (err as Error).message;
      this.log('error', 'server', message);
      return this.setState({ phase: 'error', errors: [message], setupShare: undefined });
    }
    const st = this.setState({ phase: 'running' });
    const list = st.services.filter((x) => x.listening).map((x) => `${x.name} :${x.port}`).join(', ');
    this.log('info', 'server', `serving on ${iface.name} (${addr.address}): DHCP ${mode}, ${list}`);
    return st;
  }

  /** The Windows Setup share's state of this run: server state, log, timeline, and the images' plans. */
  private setupShareIs(share: ServerState['setupShare']): void {
    this.state.setupShare = share;
    if (share) {
      const a = shareAnnouncement(share);
      this.log(a.level, 'smb', a.message);
      this.feed.push({ ts: new Date().toISOString(), kind: a.kind, source: 'smb', level: a.level, message: a.message });
    }
    this.setState({});
    this.api.emit('images.changed', this.library.list());
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
    const hadShare = this.state.setupShare !== undefined;
    const st = this.setState({ phase: 'stopped', effectiveDhcpMode: undefined, dhcpDecision: undefined, errors: [], warnings: [], setupShare: undefined });
    if (hadShare) this.api.emit('images.changed', this.library.list());
    return st;
  }
}
