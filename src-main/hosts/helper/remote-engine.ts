// The UI side of the privileged helper: the API contract over HTTP + WebSocket on the helper's
// Unix socket, so the Electron main process (or a headless host) drives a root engine exactly
// as it drives an in-process one.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { Emitter } from '../../shared/emitter.ts';
import type { ApiArg, ApiClient, ApiEvent, ApiEvents, ApiMethod, ApiResult } from '../../shared/api.ts';
import { KEEP_SERVING_PATH, SESSION_HEADER, STATUS_PATH, type HelperStatus } from './helper-protocol.ts';

export class HelperRequestError extends Error {
  constructor(message: string, readonly code: string, readonly status: number) {
    super(message);
    this.name = 'HelperRequestError';
  }
}

const MAX_REPLY_BYTES = 64 << 20;

export class RemoteEngine implements ApiClient {
  private readonly events = new Emitter<ApiEvents>();
  private readonly gone = new Emitter<{ closed: { code: number } }>();
  private socket: WebSocket | undefined;
  readonly session = randomBytes(12).toString('base64url');

  private constructor(readonly socketPath: string, private readonly token: string) {}

  /** Attaches to a running helper: refused (409) while another UI is attached, 401 for a wrong token. */
  static async attach(socketPath: string, token: string): Promise<RemoteEngine> {
    const remote = new RemoteEngine(socketPath, token);
    await remote.openEvents();
    return remote;
  }

  private openEvents(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws+unix://${this.socketPath}:/api/events`, {
        headers: { Authorization: `Bearer ${this.token}`, [SESSION_HEADER]: this.session },
        maxPayload: 64 << 20,
      });
      ws.once('unexpected-response', (_req, res) => {
        const why = res.statusCode === 409 ? 'another Bootcast window is already connected to the engine' : res.statusCode === 401 ? 'the engine refused the token' : `the engine answered ${res.statusCode}`;
        reject(new HelperRequestError(why, res.statusCode === 409 ? 'busy' : 'refused', res.statusCode ?? 0));
        ws.terminate();
      });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => ws.terminate());
        this.socket = ws;
        resolve();
      });
      ws.on('message', (data) => {
        let frame: { event?: ApiEvent; payload?: unknown };
        try {
          frame = JSON.parse(data.toString()) as typeof frame;
        } catch {
          return;
        }
        if (frame.event) this.events.emit(frame.event, frame.payload as never);
      });
      ws.on('close', (code) => {
        if (this.socket === ws) this.gone.emit('closed', { code });
      });
    });
  }

  /** The helper went away (stopped, crashed, or the machine is shutting down). */
  onClosed(listener: (e: { code: number }) => void): () => void {
    const d = this.gone.on('closed', listener);
    return () => d.dispose();
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    const text = JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath,
        path,
        method: 'POST',
        headers: { Host: 'localhost', Authorization: `Bearer ${this.token}`, [SESSION_HEADER]: this.session, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES) req.destroy(new Error(`reply from the engine larger than ${MAX_REPLY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          let parsed: { result?: T; error?: { code: string; message: string } };
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof parsed;
          } catch (err) {
            reject(new HelperRequestError(`unreadable reply from the engine: ${(err as Error).message}`, 'internal', res.statusCode ?? 0));
            return;
          }
          if (res.statusCode === 200) resolve(parsed.result as T);
          else reject(new HelperRequestError(parsed.error?.message ?? `the engine answered ${res.statusCode}`, parsed.error?.code ?? 'internal', res.statusCode ?? 0));
        });
        res.on('error', reject);
      });
      req.on('error', (err) => reject(new HelperRequestError(`the privileged engine is not reachable: ${err.message}`, 'engine-gone', 0)));
      req.end(text);
    });
  }

  call<M extends ApiMethod>(method: M, arg: ApiArg<M>): Promise<ApiResult<M>> {
    return this.post<ApiResult<M>>(`/api/call/${method}`, { arg });
  }

  on<E extends ApiEvent>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    const d = this.events.on(event, listener);
    return () => d.dispose();
  }

  setKeepServing(on: boolean): Promise<{ keepServing: boolean }> {
    return this.post(KEEP_SERVING_PATH, { on });
  }

  status(): Promise<HelperStatus> {
    return this.post(STATUS_PATH, {});
  }

  /** Detaches: without "keep serving" the helper then stops its servers and exits. */
  close(): void {
    const ws = this.socket;
    this.socket = undefined;
    ws?.close();
  }
}
