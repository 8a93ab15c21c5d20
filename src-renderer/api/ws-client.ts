import { Emitter } from '@shared/emitter.ts';
import type { ApiEvent, ApiEvents } from '@shared/api.ts';
import { acceptApiEvent, checkedApiResult } from '@shared/timeline-event-guard.ts';
import { ApiCallError, type BootcastClient, type ConnectionStatus, type UploadProgress } from './bootcast-client.ts';

export interface WsClientOptions {
  /** http://127.0.0.1:PORT — where the headless host serves the API. */
  origin: string;
  token: string;
  WebSocketImpl?: typeof WebSocket;
  fetchImpl?: typeof fetch;
  /** Reconnect back-off, ms; the last value repeats. */
  retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_MS = [250, 500, 1000, 2000, 4000];

/**
 * Headless host client: calls are POST /api/call/<method>, events arrive on a WebSocket that
 * reconnects by itself. Each (re)connection is reported as `open`, which is the stores' cue to
 * re-read the whole state: the socket is already subscribed, so nothing between the read and
 * the next event is lost.
 */
export function createWsClient(options: WsClientOptions): BootcastClient {
  const WebSocketImpl = options.WebSocketImpl ?? WebSocket;
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const retry = options.retryDelaysMs ?? DEFAULT_RETRY_MS;
  const events = new Emitter<ApiEvents>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  let status: ConnectionStatus = 'connecting';
  let socket: WebSocket | undefined;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  function setStatus(next: ConnectionStatus): void {
    if (next === status) return;
    status = next;
    for (const listener of [...statusListeners]) listener(next);
  }

  function connect(): void {
    if (disposed) return;
    const url = `${options.origin.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(options.token)}`;
    const ws = new WebSocketImpl(url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      attempt = 0;
      setStatus('open');
    };
    ws.onmessage = (message: MessageEvent) => {
      let frame: { event?: unknown; payload?: unknown };
      try {
        frame = JSON.parse(String(message.data)) as typeof frame;
      } catch {
        return;
      }
      // Events cross a process boundary here: checked once, then trusted by every store.
      if (typeof frame.event === 'string' && acceptApiEvent(frame.event, frame.payload)) events.emit(frame.event as ApiEvent, frame.payload as never);
    };
    ws.onclose = () => {
      if (socket !== ws || disposed) return;
      socket = undefined;
      if (status !== 'unauthorized') setStatus('connecting');
      const delay = retry[Math.min(attempt, retry.length - 1)] ?? 1000;
      attempt++;
      // A browser hides why an upgrade failed; a plain call tells a refused token (401) from a
      // host that is simply not up yet. With a refused token, retrying cannot help.
      const check = opened ? Promise.resolve() : probeToken();
      void check.then(() => {
        if (!disposed && status !== 'unauthorized') timer = setTimeout(connect, delay);
      });
    };
  }

  async function checkedJson(res: Response, what: string): Promise<unknown> {
    const body = (await res.json().catch(() => ({}))) as { result?: unknown; error?: { code: string; message: string }; path?: string };
    if (res.status === 401) setStatus('unauthorized');
    if (!res.ok) throw new ApiCallError(body.error ?? { code: `http-${res.status}`, message: `${what} failed: HTTP ${res.status}` });
    return body;
  }

  async function probeToken(): Promise<void> {
    try {
      const res = await fetchImpl(`${options.origin}/api/call/server.state`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${options.token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      if (res.status === 401) setStatus('unauthorized');
    } catch {
      // The host is down: keep retrying.
    }
  }

  connect();

  return {
    transport: 'web',
    get status() {
      return status;
    },
    async call(method, arg) {
      const res = await fetchImpl(`${options.origin}/api/call/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${options.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ arg }),
      });
      const body = (await checkedJson(res, method)) as { result?: never };
      return checkedApiResult(method, body.result) as never;
    },
    on(event, listener) {
      const d = events.on(event, listener);
      return () => d.dispose();
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    upload(file: File, onProgress?: (p: UploadProgress) => void): Promise<string> {
      // XMLHttpRequest, not fetch: only it reports upload progress, and ISOs take a while.
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('PUT', `${options.origin}/api/upload?name=${encodeURIComponent(file.name)}`);
        xhr.setRequestHeader('Authorization', `Bearer ${options.token}`);
        xhr.upload.onprogress = (e) => onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
        xhr.onerror = () => reject(new ApiCallError({ code: 'upload-failed', message: `upload of ${file.name} failed: connection lost` }));
        xhr.onload = () => {
          let body: { path?: string; error?: { code: string; message: string } } = {};
          try {
            body = JSON.parse(xhr.responseText) as typeof body;
          } catch {
            // handled below
          }
          if (xhr.status === 200 && body.path) resolve(body.path);
          else reject(new ApiCallError(body.error ?? { code: `http-${xhr.status}`, message: `upload of ${file.name} failed: HTTP ${xhr.status}` }));
        };
        xhr.send(file);
      });
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
      socket?.close();
      socket = undefined;
    },
  };
}
