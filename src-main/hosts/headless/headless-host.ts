import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiClient } from '../../shared/api.ts';
import { newAccessToken, tokenMatches, tokenOf } from './access-token.ts';
import { handleApiCall, sendError } from './api-call-route.ts';
import { EventSocketHub } from './event-socket.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { serveStatic } from './static-files.ts';
import { handleUpload, type UploadLimits } from './upload-route.ts';

export interface HeadlessHostOptions {
  api: ApiClient;
  /** Loopback only: the UI can start DHCP servers, so it must never be reachable from the network. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Random when absent. */
  token?: string;
  /** Enables PUT /api/upload: uploaded ISOs are written here. */
  uploadDir?: string;
  /** Size limit and free-disk reserve for uploads, read at each upload (settings may change). */
  uploadLimits?: () => UploadLimits;
}

export interface HeadlessHost {
  /** Open this in a browser: it carries the token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The request target against a fixed base, or undefined when it is not a path. The base is never
 * the Host header (attacker-chosen), and "//x" stays a path instead of becoming a host.
 */
function parseRequestUrl(target: string | undefined): URL | undefined {
  const raw = target ?? '/';
  if (!raw.startsWith('/')) return undefined;
  try {
    return new URL(`http://localhost${raw}`);
  } catch {
    return undefined;
  }
}

/**
 * Serves the renderer and the API contract over HTTP + WebSocket:
 *   GET  /…                  the built renderer (public: it holds no secrets)
 *   POST /api/call/<method>  `{"arg": …}` → `{"result": …}`      (token)
 *   GET  /api/events         WebSocket of `{"event", "payload"}`   (token)
 *   PUT  /api/upload?name=…  raw file body → `{"path": …}`         (token, when uploadDir is set)
 */
export async function startHeadlessHost(options: HeadlessHostOptions): Promise<HeadlessHost> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new Error(`the headless UI binds to loopback only (127.0.0.1, ::1 or localhost), not '${host}': use an SSH tunnel to reach it from elsewhere`);
  }
  const token = options.token ?? newAccessToken();
  const hub = new EventSocketHub(options.api);
  let origin = '';

  // A DNS-rebinding page could reach 127.0.0.1 under a foreign name; only our own names are served.
  const hostHeaderOk = (req: IncomingMessage): boolean => {
    const header = req.headers.host ?? '';
    const name = header.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return LOOPBACK.has(name);
  };

  // Our own page's origin under each loopback name; a browser tab on any other origin must not
  // open the event socket (it carries the timeline: MACs, addresses, image names).
  const originOk = (req: IncomingMessage): boolean => {
    const given = req.headers.origin;
    if (given === undefined) return true; // not a browser: the token still decides
    const port = new URL(origin).port;
    return ['127.0.0.1', 'localhost', '[::1]'].some((name) => given === `http://${name}:${port}`);
  };

  const server = createServer((req, res) => {
    // Whatever a handler throws ends this request only, never the process.
    try {
      void route(req, res).catch((err: unknown) => failRequest(res, err));
    } catch (err) {
      failRequest(res, err);
    }
  });
  const failRequest = (res: ServerResponse, err: unknown) => {
    if (!res.headersSent) sendError(res, 500, 'internal', err instanceof Error ? err.message : String(err));
    else res.destroy();
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setSecurityHeaders(res, origin);
    if (!hostHeaderOk(req)) {
      sendError(res, 421, 'bad-host', 'this host only answers to 127.0.0.1, ::1 or localhost');
      return;
    }
    const url = parseRequestUrl(req.url);
    if (!url) {
      sendError(res, 400, 'bad-request', 'the request target is not a path');
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      await serveStatic(options.rendererDir, req, res, url.pathname);
      return;
    }
    if (!tokenMatches(tokenOf(req, url), token)) {
      sendError(res, 401, 'unauthorized', 'missing or wrong token: open the URL Bootcast printed at start-up');
      return;
    }
    if (url.pathname.startsWith('/api/call/')) {
      await handleApiCall(options.api, url.pathname.slice('/api/call/'.length), req, res);
    } else if (url.pathname === '/api/upload' && options.uploadDir) {
      await handleUpload(options.uploadDir, url, req, res, options.uploadLimits?.());
    } else {
      sendError(res, 404, 'not-found', `no API endpoint ${url.pathname}`);
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
    };
    try {
      if (!hostHeaderOk(req)) return refuse('421 Misdirected Request');
      const url = parseRequestUrl(req.url);
      if (!url) return refuse('400 Bad Request');
      if (url.pathname !== '/api/events') return refuse('404 Not Found');
      if (!originOk(req)) return refuse('403 Forbidden');
      if (!tokenMatches(tokenOf(req, url), token)) return refuse('401 Unauthorized');
      hub.wss.handleUpgrade(req, socket, head, (ws) => hub.wss.emit('connection', ws, req));
    } catch {
      socket.destroy();
    }
  });
  server.on('clientError', (_err, socket) => {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('headless host: listening socket has no port');
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${urlHost}:${address.port}`;

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    port: address.port,
    token,
    async close() {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
