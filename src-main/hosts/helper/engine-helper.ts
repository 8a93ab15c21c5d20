// The privileged half of the desktop app: the engine (servers + NAT) in its own process, started
// as root through pkexec (Linux) or an administrator prompt (macOS), driven by the unprivileged
// UI over the headless host's API transport on a Unix socket only that user can open. It serves
// one UI at a time, and goes away with its UI unless "keep serving" is on.
import { chmod, chown, lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ApiClient } from '../../shared/api.ts';
import { tokenMatches, tokenOf } from '../headless/access-token.ts';
import { handleApiCall, readBody, sendError, sendJson } from '../headless/api-call-route.ts';
import { EventSocketHub } from '../headless/event-socket.ts';
import { helperPaths, KEEP_SERVING_PATH, SESSION_HEADER, STATUS_PATH, type HelperHandshake, type HelperStatus } from './helper-protocol.ts';

export interface EngineHelperOptions {
  /** The engine (or any ApiClient) to serve; disposed when the helper stops. */
  api: ApiClient & { dispose(): Promise<void> | void };
  handshake: HelperHandshake;
  /** Root-owned folder under which `bootcast-<uid>/` is made. */
  runDir: string;
  /** How long the helper waits for its UI to come back (a reload, a reconnect) before stopping. */
  graceMs?: number;
  /** How long the UI has to attach after start-up (it is waiting for the password prompt to close). */
  firstAttachMs?: number;
  /** Called once the helper has stopped (the CLI command exits then). */
  onStopped?: () => void;
  log?: (line: string) => void;
}

export interface EngineHelper {
  socketPath: string;
  status(): HelperStatus;
  /** The UI's stdin pipe closed: the process that started us is gone. */
  uiProcessGone(): void;
  stop(): Promise<void>;
}

/**
 * The folder holding the socket must be ours: created here, or already a real directory (not a
 * symlink an unprivileged user planted) owned by root or by the UI user.
 */
async function prepareDir(dir: string, uid: number, gid: number): Promise<void> {
  await mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(`${dir} is not a directory: refusing to use it`);
  if (st.uid !== 0 && st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to root or uid ${uid}: refusing to use it`);
  await chmod(dir, 0o700);
  await chown(dir, uid, gid);
}

/** Files the root engine wrote into the user's data folder go back to the user, so `bootcast serve` and the next unprivileged start can rewrite them. */
async function giveBack(dir: string, uid: number, gid: number): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  await chown(dir, uid, gid).catch(() => undefined);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await giveBack(p, uid, gid);
    else if (!e.isSymbolicLink()) await chown(p, uid, gid).catch(() => undefined);
  }
}

export async function startEngineHelper(o: EngineHelperOptions): Promise<EngineHelper> {
  const { token, ownerUid: uid, ownerGid: gid } = o.handshake;
  const paths = helperPaths(o.runDir, uid);
  const log = o.log ?? (() => {});
  const graceMs = o.graceMs ?? 3000;
  let keepServing = o.handshake.keepServing === true;
  let attached: { session: string; socket: import('ws').WebSocket } | undefined;
  let stopping: Promise<void> | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  await prepareDir(paths.dir, uid, gid);
  await rm(paths.socket, { force: true });
  const hub = new EventSocketHub(o.api);

  const sessionOf = (req: IncomingMessage) => {
    const v = req.headers[SESSION_HEADER];
    return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : undefined;
  };

  const server = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'internal', (err as Error).message);
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!tokenMatches(tokenOf(req, url), token)) {
      sendError(res, 401, 'unauthorized', 'missing or wrong token');
      return;
    }
    const session = sessionOf(req);
    if (url.pathname === STATUS_PATH) {
      sendJson(res, 200, { pid: process.pid, keepServing, attached: attached !== undefined } satisfies HelperStatus);
      return;
    }
    // Only the attached UI drives the engine: a second window gets a clear refusal, not a share of it.
    if (!attached || session !== attached.session) {
      sendError(res, 409, 'not-attached', 'another Bootcast window is connected to the engine (or this one has not attached yet)');
      return;
    }
    if (url.pathname === KEEP_SERVING_PATH && req.method === 'POST') {
      const body = JSON.parse((await readBody(req, 1024)).toString('utf8') || '{}') as { on?: unknown };
      keepServing = body.on === true;
      log(`keep serving ${keepServing ? 'on' : 'off'}`);
      sendJson(res, 200, { keepServing });
      return;
    }
    if (url.pathname.startsWith('/api/call/')) {
      await handleApiCall(o.api, url.pathname.slice('/api/call/'.length), req, res);
      return;
    }
    sendError(res, 404, 'not-found', `no endpoint ${url.pathname}`);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    if (url.pathname !== '/api/events') return refuse('404 Not Found');
    if (!tokenMatches(tokenOf(req, url), token)) return refuse('401 Unauthorized');
    const session = sessionOf(req);
    if (!session) return refuse('400 Bad Request');
    if (attached && attached.session !== session) return refuse('409 Conflict');
    hub.wss.handleUpgrade(req, socket, head, (ws) => {
      attached?.socket.terminate();
      attached = { session, socket: ws };
      clearTimeout(graceTimer);
      log('UI attached');
      ws.on('close', () => {
        if (attached?.socket !== ws) return;
        attached = undefined;
        log('UI detached');
        scheduleStopIfAlone();
      });
      hub.wss.emit('connection', ws, req);
    });
  });

  function scheduleStopIfAlone(waitMs = graceMs): void {
    clearTimeout(graceTimer);
    graceTimer = setTimeout(() => {
      if (!attached && !keepServing) {
        log('the UI went away and keep serving is off: stopping');
        void stop();
      }
    }, waitMs);
  }

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      clearTimeout(graceTimer);
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Servers and NAT rules go before anything else can fail.
      await Promise.resolve(o.api.dispose()).catch((err: unknown) => log(`engine did not stop cleanly: ${(err as Error).message}`));
      await giveBack(o.handshake.dataDir, uid, gid);
      await rm(paths.socket, { force: true });
      await rm(paths.token, { force: true });
      o.onStopped?.();
    })();
    return stopping;
  }

  // The socket is created with the owner's permissions before anyone can connect: umask 0177
  // makes it 0600 at bind time, then it is handed to the UI user.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(paths.socket, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  await chown(paths.socket, uid, gid);
  // A UI started later (after "keep serving") reattaches with this token; only its owner can read it.
  await writeFile(paths.token, token, { mode: 0o600 });
  await chown(paths.token, uid, gid);
  // A UI that never attaches (it crashed after the prompt) must not leave a root engine behind.
  scheduleStopIfAlone(o.firstAttachMs ?? 30_000);

  return {
    socketPath: paths.socket,
    status: () => ({ pid: process.pid, keepServing, attached: attached !== undefined }),
    uiProcessGone() {
      if (!attached && !keepServing) void stop();
    },
    stop,
  };
}
