// The desktop's engine: in-process and unprivileged until Start (or internet sharing) needs ports
// or rules only root may touch, then the privileged helper, asked for once per session. Hosts and
// the renderer see one ApiClient throughout; the state lives in the shared data folder, so the
// helper picks up the library and settings the window already has.
import type { ApiArg, ApiClient, ApiEvent, ApiEvents, ApiMethod, ApiResult, ServerSettings } from '../../shared/api.ts';
import { API_EVENTS } from '../../shared/api.ts';
import { Emitter } from '../../shared/emitter.ts';
import { buildDiagnostics } from '../../engine/diagnostics-report.ts';
import type { RemoteEngine } from './remote-engine.ts';

export interface LocalEngine extends ApiClient {
  dispose(): Promise<void> | void;
}

export interface EngineSwitchOptions {
  local: LocalEngine;
  /** What Start with these settings will ask for (net/port-privileges.ts desktopStartNotice); null: nothing, stay in-process. */
  startNotice: (settings: ServerSettings) => string | null;
  /** Internet sharing changes firewall rules: root on Linux and macOS. */
  natNeedsHelper: boolean;
  launch: () => Promise<RemoteEngine>;
  /** A fresh in-process engine, for when the helper is gone: Start then asks for the helper again. */
  recreateLocal?: () => Promise<LocalEngine>;
  /** Versions named in exported diagnostics (the desktop's Electron, Chromium, app). */
  versions?: Record<string, string | undefined>;
  /** The helper went away while in use (crash, or stopped from outside). */
  onHelperLost?: (why: string) => void;
}

export class EngineSwitch implements ApiClient {
  private readonly events = new Emitter<ApiEvents>();
  private current: ApiClient;
  private remote: RemoteEngine | undefined;
  private local: LocalEngine | undefined;
  private unsubscribe: (() => void)[] = [];
  private switching: Promise<void> | undefined;
  private keepServing = false;

  constructor(private readonly o: EngineSwitchOptions) {
    this.local = o.local;
    this.current = o.local;
    this.follow(o.local);
  }

  get privileged(): boolean {
    return this.remote !== undefined;
  }

  private follow(api: ApiClient): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const event of API_EVENTS) this.unsubscribe.push(api.on(event, (p) => this.events.emit(event, p as never)));
  }

  private async needsHelper(method: ApiMethod): Promise<boolean> {
    if (this.remote) return false;
    if (method === 'nat.enable') return this.o.natNeedsHelper;
    if (method !== 'server.start') return false;
    return this.o.startNotice(await this.current.call('server.settings', undefined)) !== null;
  }

  /** Takes over a helper an earlier window left serving ("keep serving"); the in-process engine goes. */
  async adopt(remote: RemoteEngine): Promise<void> {
    this.switching ??= this.moveTo(remote).finally(() => {
      this.switching = undefined;
    });
    return this.switching;
  }

  private async moveTo(remote: RemoteEngine): Promise<void> {
    await remote.setKeepServing(this.keepServing);
    const local = this.local;
    this.local = undefined;
    this.remote = remote;
    this.current = remote;
    this.follow(remote);
    remote.onClosed(() => {
      if (this.remote === remote) void this.helperLost(remote);
    });
    await local?.dispose();
    // The renderer re-reads nothing by itself: tell it what the new engine holds.
    this.events.emit('images.changed', await remote.call('images.list', undefined));
    this.events.emit('server.state', await remote.call('server.state', undefined));
    this.events.emit('nat.state', await remote.call('nat.state', undefined));
  }

  private async helperLost(remote: RemoteEngine): Promise<void> {
    this.remote = undefined;
    remote.close();
    this.o.onHelperLost?.('the privileged engine stopped');
    if (!this.o.recreateLocal) return;
    const local = await this.o.recreateLocal();
    this.local = local;
    this.current = local;
    this.follow(local);
    this.events.emit('server.state', await local.call('server.state', undefined));
    this.events.emit('nat.state', await local.call('nat.state', undefined));
  }

  /** Moves to the helper: launched first, so a cancelled prompt leaves the window as it was. */
  private switchToHelper(): Promise<void> {
    this.switching ??= (async () => this.moveTo(await this.o.launch()))().finally(() => {
      this.switching = undefined;
    });
    return this.switching;
  }

  async call<M extends ApiMethod>(method: M, arg: ApiArg<M>): Promise<ApiResult<M>> {
    if (this.switching) await this.switching.catch(() => undefined);
    if (method === 'server.privileges') {
      const notice = this.remote ? null : this.o.startNotice(await this.current.call('server.settings', undefined));
      return { notice } as ApiResult<M>;
    }
    if (method === 'diagnostics.export') {
      const report = await buildDiagnostics(this, { host: 'desktop', versions: { ...this.o.versions, engine: this.remote ? 'privileged helper' : 'in-process' } });
      return report as ApiResult<M>;
    }
    if (await this.needsHelper(method)) await this.switchToHelper();
    return this.current.call(method, arg);
  }

  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const d = this.events.on(event, listener);
    return () => d.dispose();
  }

  /** With keep serving on, the helper outlives the window (tray "Keep serving"). */
  get keepsServing(): boolean {
    return this.keepServing;
  }

  async setKeepServing(on: boolean): Promise<void> {
    this.keepServing = on;
    await this.remote?.setKeepServing(on);
  }

  async dispose(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.remote?.close();
    await this.local?.dispose();
  }
}
