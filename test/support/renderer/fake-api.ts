// An in-memory BootcastClient for component tests.
import { Emitter } from '@shared/emitter.ts';
import type { ApiArg, ApiEvent, ApiEvents, ApiMethod, ApiResult, ClientSummary, ImageInfo, NatState, ServerSettings, ServerState } from '@shared/api.ts';
import type { BootcastClient, ConnectionStatus, UploadProgress } from '../../../src-renderer/api/bootcast-client.ts';

type Handlers = { [M in ApiMethod]?: (arg: ApiArg<M>) => ApiResult<M> | Promise<ApiResult<M>> };

export interface FakeApi extends BootcastClient {
  calls: { method: ApiMethod; arg: unknown }[];
  handlers: Handlers;
  emit<E extends ApiEvent>(event: E, payload: ApiEvents[E]): void;
  setStatus(status: ConnectionStatus): void;
  listenerCount(event: ApiEvent): number;
}

export const stoppedState = (): ServerState => ({ phase: 'stopped', services: [], errors: [], warnings: [] });
export const defaultSettings = (): ServerSettings => ({
  interface: null,
  dhcpMode: 'auto',
  ports: { dhcp: 67, proxyDhcp: 4011, tftp: 69, http: 80, nbd: 10809 },
  menuTimeoutSec: 10,
  secureBootClients: 'auto',
});
export const natOff = (): NatState => ({ supported: true, enabled: false, uplinkCandidates: ['wlan0'], applied: [] });

export function client(mac: string, extra: Partial<ClientSummary> = {}): ClientSummary {
  return { mac, firmware: 'uefi', ipxe: false, stage: 'dhcp', firstSeen: '2026-11-26T10:00:00.000Z', lastSeen: '2026-11-26T10:00:01.000Z', eventCount: 1, ...extra };
}

export function image(id: string, extra: Partial<ImageInfo> = {}): ImageInfo {
  return { id, path: `/isos/${id}.iso`, fileName: `${id}.iso`, sizeBytes: 800e6, plans: [], ...extra };
}

/**
 * Default answers describe an idle engine; tests override `handlers` per method. Every call is
 * recorded, so tests can assert what the UI asked for.
 */
export function createFakeApi(options: { transport?: 'electron' | 'web'; status?: ConnectionStatus } = {}): FakeApi {
  const events = new Emitter<ApiEvents>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  let status: ConnectionStatus = options.status ?? 'open';
  const defaults: Handlers = {
    'images.list': () => [],
    'network.interfaces': () => [],
    'server.state': () => stoppedState(),
    'server.settings': () => defaultSettings(),
    'server.privileges': () => ({ notice: null }),
    'clients.list': () => [],
    'clients.get': () => null,
    'nat.state': () => natOff(),
    'log.recent': () => [],
    'log.export': () => '',
    'diagnostics.export': () => '',
  };
  const fake: FakeApi = {
    transport: options.transport ?? 'web',
    get status() {
      return status;
    },
    calls: [],
    handlers: {},
    async call(method, arg) {
      fake.calls.push({ method, arg });
      const handler = (fake.handlers[method] ?? defaults[method]) as ((a: unknown) => unknown) | undefined;
      if (!handler) return undefined as never;
      return (await handler(arg)) as never;
    },
    on(event, listener) {
      const d = events.on(event, listener);
      return () => d.dispose();
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    emit(event, payload) {
      events.emit(event, payload);
    },
    setStatus(next) {
      status = next;
      for (const l of [...statusListeners]) l(next);
    },
    listenerCount: (event) => events.listenerCount(event),
    dispose() {},
  };
  if (fake.transport === 'electron') fake.pathForFile = (file: File) => `/home/tech/${file.name}`;
  else
    fake.upload = async (file: File, onProgress?: (p: UploadProgress) => void) => {
      onProgress?.({ loaded: file.size, total: file.size });
      return `/srv/uploads/${file.name}`;
    };
  return fake;
}
