import { stat } from 'node:fs/promises';
import type { NatController } from '../net/nat/nat-controller.ts';
import type { ApiEvents, ApiMethod, ApiMethods, ClientSummary, LogEntry, NetInterfaceInfo, ServerSettings, ServerState } from '../shared/api.ts';
import type { Emitter } from '../shared/emitter.ts';
import { normalizeMac } from '../shared/mac.ts';
import type { ClientIdentity } from './client-identity.ts';
import { EngineError } from './engine-error.ts';
import type { EventLog } from './event-log.ts';
import type { ImageLibrary } from './image-library.ts';
import type { LogRing } from './log-ring.ts';
import type { SecureBootClientChooser } from './secure-boot-clients.ts';
import { mergeSettings } from './settings-store.ts';
import type { ClientTimeline } from './timeline/client-timeline.ts';

/**
 * API dispatch: one handler per command of the contract (src-main/shared/api.ts), each checking
 * its argument and turning a failure into an EngineError the technician can act on. The
 * handlers reach the engine only through EngineParts; the lifecycle stays in engine.ts.
 */
export type ApiHandlers = { [M in ApiMethod]: (arg: ApiMethods[M][0]) => Promise<ApiMethods[M][1]> | ApiMethods[M][1] };

export interface EngineParts {
  library: ImageLibrary;
  timeline: ClientTimeline;
  identity: ClientIdentity;
  nat: NatController;
  logRing: LogRing;
  eventLog: EventLog;
  api: Emitter<ApiEvents>;
  log: (level: LogEntry['level'], source: string, message: string, client?: string) => void;
  /** Which machines get the signed chain, and a summary with that mark. */
  secureBootClients: SecureBootClientChooser;
  withSecureBoot: <C extends ClientSummary>(c: C) => C;
  /** Every interface of the machine (loopback included: the CLI and tests serve on it). */
  interfaces: () => NetInterfaceInfo[];
  /** The interfaces a technician may choose to boot machines on. */
  bootInterfaces: () => NetInterfaceInfo[];
  snapshot: () => ServerState;
  settings: () => ServerSettings;
  /** Keeps new settings (saved, and applied to running servers). */
  applySettings: (next: ServerSettings) => Promise<void>;
  start: () => Promise<ServerState>;
  stop: () => Promise<ServerState>;
  lanCidr: () => { name: string; cidr: string } | null;
  privileges: () => ApiMethods['server.privileges'][1];
  /** The diagnostics report (it reads the engine through its own API). */
  diagnostics: () => Promise<string>;
}

export function apiHandlers(e: EngineParts): ApiHandlers {
  const imagesChanged = () => e.api.emit('images.changed', e.library.list());
  return {
    'images.list': () => e.library.list(),
    'images.add': async ({ paths }) => {
      if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new EngineError('images.add takes { paths: string[] }', 'bad-argument');
      // Refuse the whole batch when a path is wrong: a card for a file that is not there helps nobody.
      for (const p of paths) {
        const st = await stat(p).catch(() => null);
        if (!st) throw new EngineError(`There is no file at ${p}. Check the path (it is read on the machine running Bootcast).`, 'not-found');
        if (!st.isFile()) throw new EngineError(`${p} is a folder, not an image file: choose the .iso inside it.`, 'bad-argument');
      }
      const added = await e.library.add(paths);
      for (const img of added) {
        if (img.error) e.log('error', 'images', `${img.path}: ${img.error}`);
        else e.log('info', 'images', `added ${img.fileName}: ${img.distro ?? img.volumeId ?? 'unknown distribution'}, recipe ${img.recipe ?? 'none'}`);
      }
      imagesChanged();
      return added;
    },
    'images.remove': async ({ id }) => {
      await e.library.remove(id).catch((err: Error) => {
        throw new EngineError(err.message, 'not-found');
      });
      imagesChanged();
    },
    'images.selectPlan': async ({ id, planId }) => {
      const info = await e.library.selectPlan(id, planId).catch((err: Error) => {
        throw new EngineError(err.message, 'bad-argument');
      });
      imagesChanged();
      return info;
    },
    'network.interfaces': () => e.bootInterfaces(),
    'server.state': () => e.snapshot(),
    'server.settings': () => {
      const s = e.settings();
      return { ...s, ports: { ...s.ports } };
    },
    'server.updateSettings': async (change) => {
      let next: ServerSettings;
      try {
        next = mergeSettings(e.settings(), change ?? {}, { interfaces: e.interfaces() });
      } catch (err) {
        throw new EngineError((err as Error).message, 'bad-argument');
      }
      await e.applySettings(next);
      return { ...e.settings() };
    },
    'server.privileges': () => e.privileges(),
    'server.start': () => e.start(),
    'server.stop': () => e.stop(),
    'clients.list': () => e.timeline.list().map((c) => e.withSecureBoot(c)),
    'clients.get': ({ mac }) => {
      const c = e.timeline.get(mac);
      return c ? e.withSecureBoot(c) : null;
    },
    'clients.setSecureBoot': async ({ mac, secureBoot } = {} as never) => {
      const m = normalizeMac(mac);
      if (!m || typeof secureBoot !== 'boolean') throw new EngineError('clients.setSecureBoot takes { mac: "52:54:00:12:34:56", secureBoot: true|false }', 'bad-argument');
      e.secureBootClients.set(m, secureBoot);
      await e.secureBootClients.flush();
      e.log('info', 'secure-boot', `${m}: ${secureBoot ? 'marked as a Secure Boot machine: it gets the signed chain' : 'marked as without Secure Boot: it gets iPXE'} (by the technician)`, m);
      const c = e.timeline.get(m);
      if (!c) return null;
      const summary = e.withSecureBoot(c);
      e.api.emit('clients.updated', summary);
      return summary;
    },
    'clients.clear': () => {
      e.timeline.clear();
      e.identity.clear();
    },
    'nat.state': () => e.nat.refresh(e.settings().interface ?? undefined),
    'nat.enable': async ({ uplink } = {}) => {
      const lan = e.lanCidr();
      if (!lan) throw new EngineError('choose the network interface facing the machines to boot before sharing the internet with them', 'no-interface');
      if (e.interfaces().find((i) => i.name === lan.name)?.internal) {
        throw new EngineError(`internet sharing needs a real network interface facing the machines, not the loopback interface ${lan.name}`, 'bad-argument');
      }
      return e.nat.enable({ lanInterface: lan.name, lanCidr: lan.cidr, uplink });
    },
    'nat.disable': () => e.nat.disable(),
    'log.recent': ({ limit } = {}) => e.logRing.recent({ limit }),
    'diagnostics.export': () => e.diagnostics(),
    'log.export': async () => {
      await e.eventLog.flush();
      return e.eventLog.exportText();
    },
  };
}
