// The privileged half of the desktop app: the engine (servers + NAT) in its own process, started
// as root through pkexec (Linux) or an administrator prompt (macOS), driven by the unprivileged
// UI over the headless host's API transport on a Unix socket only that user can open. It serves
// one UI at a time, and goes away with its UI unless "keep serving" is on.
import { chmod, lchown, lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ApiClient } from '../../shared/api.ts';
import { tokenMatches, tokenOf } from '../headless/access-token.ts';
import { handleApiCall, readBody, sendError, sendJson } from '../headless/api-call-route.ts';
import { EventSocketHub } from '../headless/event-socket.ts';
import { copyInFromUser, copyOutToUser } from './user-files.ts';
import { helperPaths, KEEP_SERVING_PATH, SESSION_HEADER, STATUS_PATH, type HelperHandshake, type HelperStatus } from './helper-protocol.ts';

export interface EngineHelperOptions {
  /** Makes the engine (or any ApiClient) to serve, on the helper's private data folder; disposed when the helper stops. */
  createApi: (privateDataDir: string) => Promise<ApiClient & { dispose(): Promise<void> | void }>;
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
 * The folders the helper works in are root's: the run folder must be root-owned and writable by
 * root only (so nobody else can swap an entry in it), and `bootcast-<uid>` is made root-owned,
 * 0711: the user can reach the socket and token inside (both theirs, 0600) but rename nothing.
 */
async function prepareDirs(runDir: string, dir: string, privateData: string): Promise<void> {
  const base = await lstat(runDir);
  if (!base.isDirectory() || base.uid !== 0 || (base.mode & 0o022) !== 0) {
    throw new Error(`${runDir} must be a root-owned directory that only root can write to`);
  }
  await mkdir(dir, { mode: 0o711 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== 0) throw new Error(`${dir} is not a root-owned directory: refusing to use it`);
  await chmod(dir, 0o711);
  await mkdir(privateData, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export async function startEngineHelper(o: EngineHelperOptions): Promise<EngineHelper> {
  const { token, ownerUid: uid, ownerGid: gid } = o.handshake;
  const paths = helperPaths(o.runDir, uid);
  const owner = { uid, gid };
  const log = o.log ?? (() => {});
  const graceMs = o.graceMs ?? 3000;
  let keepServing = o.handshake.keepServing === true;
  let attached: { session: string; socket: WebSocket } | undefined;
  let stopping: Promise<void> | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  await prepareDirs(o.runDir, paths.dir, paths.data);
  // A helper left serving for this user still owns the socket (and the ports): never take them over from it.
  if (await socketAnswers(paths.socket)) throw new Error('a Bootcast engine is already running for this user: close the other window, or attach to it by restarting Bootcast');
  await rm(paths.socket, { force: true });
  // The engine works on a root-only copy of the user's settings and library (a crash with NAT on
  // leaves its record there for the next helper); results go back, as the user, on stop.
  copyInFromUser(o.handshake.dataDir, paths.data, owner);
  const api = await o.createApi(paths.data);
  const hub = new EventSocketHub(api);

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
      await handleApiCall(api, url.pathname.slice('/api/call/'.length), req, res);
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
      await Promise.resolve(api.dispose()).catch((err: unknown) => log(`engine did not stop cleanly: ${(err as Error).message}`));
      try {
        copyOutToUser(paths.data, o.handshake.dataDir, owner);
      } catch (err) {
        log(`cannot write the settings back to ${o.handshake.dataDir}: ${(err as Error).message}`);
      }
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
  await lchown(paths.socket, uid, gid);
  // A UI started later (after "keep serving") reattaches with this token; only its owner can read it.
  await rm(paths.token, { force: true });
  await writeFile(paths.token, token, { mode: 0o600, flag: 'wx' });
  await lchown(paths.token, uid, gid);
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
