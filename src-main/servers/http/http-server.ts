import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { parseByteRange } from '../../protocol/http/byte-range.ts';
import { describeBindError } from '../../net/bind-error.ts';
import { Emitter } from '../../shared/emitter.ts';
import { DEFAULT_LIMITS, type ServerLimits } from '../../shared/server-limits.ts';
import { BufferPool } from '../buffer-pool.ts';
import { ConnectionCaps } from '../connection-caps.ts';
import type { FileReader, FileSource, ServedFile } from '../file-source.ts';
import { stripV4Mapped } from '../remote-address.ts';
import { sanitiseRequestPath } from '../request-path.ts';
import { pumpBody, type PumpEnd } from './body-pump.ts';
import type { HttpOutcome, HttpServerEvents, HttpServerStats } from './http-events.ts';
import { streamBody } from './stream-body.ts';

export interface HttpServerOptions {
  readonly address: string;
  readonly port?: number;
  readonly source: FileSource;
  /** Minimum interval between request.progress events of one response. Default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Idle time before a kept-alive connection is closed. Default 5000 ms. */
  readonly keepAliveTimeoutMs?: number;
  /** Connection caps and timeouts; DEFAULT_LIMITS for what is not given. */
  readonly limits?: Partial<Pick<ServerLimits, 'httpMaxConnections' | 'httpMaxConnectionsPerAddress' | 'httpHeadersTimeoutMs' | 'httpIdleTimeoutMs' | 'sendStallTimeoutMs'>>;
  readonly now?: () => number;
}

/**
 * GET/HEAD file server for boot loaders (iPXE, GRUB, UEFI HTTP boot) over a FileSource: single
 * byte ranges, keep-alive, no directory listings. Query strings are handed to the source
 * (iPXE scripts are generated per client: /boot.ipxe?mac=…&arch=…).
 */
export class HttpServer {
  readonly events = new Emitter<HttpServerEvents>();
  private server: Server | undefined;
  private nextId = 1;
  private active = 0;
  private counters = { requests: 0, bytesSent: 0, aborted: 0, failed: 0, refusedConnections: 0, internalErrors: 0 };
  private readonly caps: ConnectionCaps;
  private readonly limits: ServerLimits;
  private readonly byStatus: Record<number, number> = {};
  private readonly pool = new BufferPool(POOLED_BYTES);
  private poolTrim: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: HttpServerOptions) {
    this.now = o.now ?? (() => performance.now());
    this.limits = { ...DEFAULT_LIMITS, ...(o.limits ?? {}) };
    this.caps = new ConnectionCaps(this.limits.httpMaxConnections, this.limits.httpMaxConnectionsPerAddress, {
      total: 'httpMaxConnections',
      perAddress: 'httpMaxConnectionsPerAddress',
      what: 'HTTP',
    });
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.o.port ?? 80;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const l = this.limits;
    const server = createServer(
      {
        keepAliveTimeout: this.o.keepAliveTimeoutMs ?? l.httpIdleTimeoutMs,
        // Node answers 408 itself when headers (or a whole request) take longer than these.
        headersTimeout: l.httpHeadersTimeoutMs,
        requestTimeout: l.httpHeadersTimeoutMs,
        connectionsCheckingInterval: Math.max(10, Math.min(1000, l.httpHeadersTimeoutMs / 4)),
      },
      (req, res) => {
        const fail = (err: unknown) => {
          // handle() reports its own failures; this only guards against a bug escaping a handler.
          this.counters.internalErrors++;
          if (!res.headersSent) this.sendStatus(res, 500, 'Internal error');
          else res.destroy(err as Error);
        };
        try {
          this.handle(req, res).catch(fail);
        } catch (err) {
          fail(err);
        }
      },
    );
    // No socket activity for this long (a client that stopped reading a response) ends the
    // connection: the default handler destroys the socket when nothing else listens for 'timeout'.
    server.setTimeout(l.sendStallTimeoutMs);
    server.on('connection', (socket: Socket) => this.admit(socket));
    const port = this.o.port ?? 80;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.o.address, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      throw describeBindError(err, 'HTTP', this.o.address, port, '--http-port');
    });
    // A client sending garbage gets a 400, one too slow with its headers a 408; either way the
    // connection is then closed, not left holding a descriptor until the peer hangs up.
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      closeWith(socket, `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\nX-Content-Type-Options: nosniff\r\n\r\n`);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    clearTimeout(this.poolTrim);
    this.pool.clear();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Gives the pooled buffers back once no response has run for a while (a laptop idles most of the day). */
  private trimPoolWhenIdle(): void {
    clearTimeout(this.poolTrim);
    this.poolTrim = setTimeout(() => this.active === 0 && this.pool.clear(), POOL_IDLE_MS);
    this.poolTrim.unref();
  }

  stats(): HttpServerStats {
    return { ...this.counters, active: this.active, connections: this.caps.open, byStatus: { ...this.byStatus } };
  }

  /** Counts the connection against the caps; over a cap it gets a 503 and is closed. */
  private admit(socket: Socket): void {
    const address = stripV4Mapped(socket.remoteAddress ?? '');
    const admitted = this.caps.admit(address);
    if (!admitted.ok) {
      this.counters.refusedConnections++;
      if (admitted.warn) this.events.emit('warning', { message: `${admitted.warn}: refused a connection; raise the limit if this network really needs more` });
      closeWith(socket, 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\nRetry-After: 2\r\n\r\n');
      return;
    }
    socket.once('close', () => this.caps.release(address));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = `http-${this.nextId++}`;
    const startedAt = this.now();
    const remoteAddress = stripV4Mapped(req.socket.remoteAddress ?? '');
    const remotePort = req.socket.remotePort ?? 0;
    const method = req.method ?? '';
    const { rawPath, rawQuery } = splitTarget(req.url ?? '');
    const sanitised = rawPath === undefined ? undefined : sanitiseRequestPath(rawPath, { protocol: 'http' });
    const path = sanitised?.ok ? sanitised.path : (req.url ?? '');
    this.counters.requests++;
    this.active++;
    this.events.emit('request.start', { id, remoteAddress, remotePort, method, path, query: rawQuery, range: req.headers.range ?? null });

    let finished = false;
    const done = (status: number, bytes: number, range: { start: number; end: number } | null, outcome: HttpOutcome) => {
      if (finished) return;
      finished = true;
      this.active--;
      if (this.active === 0) this.trimPoolWhenIdle();
      this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
      if (outcome === 'aborted') this.counters.aborted++;
      if (outcome === 'failed') this.counters.failed++;
      this.events.emit('request.done', { id, remoteAddress, path, status, bytes, range, durationMs: this.now() - startedAt, outcome });
    };
    const reply = (status: number, message: string, headers: Record<string, string> = {}) => {
      this.sendStatus(res, status, message, headers, method === 'HEAD');
      done(status, 0, null, 'complete');
    };

    if (method !== 'GET' && method !== 'HEAD') return reply(405, `${method} is not supported; this server only reads files`, { Allow: 'GET, HEAD' });
    if (!sanitised) return reply(400, 'Request target must be a path or an absolute http URL');
    if (!sanitised.ok) {
      // A directory is simply not something this server has; everything else is a bad request.
      const notFound = sanitised.reason === 'directory' || sanitised.reason === 'empty';
      return reply(notFound ? 404 : 400, notFound ? 'Not found' : `Refused: ${sanitised.detail}`);
    }

    let file: ServedFile | null;
    try {
      file = await this.o.source.resolve(sanitised.path, { protocol: 'http', remoteAddress, query: new URLSearchParams(rawQuery) });
    } catch (err) {
      this.events.emit('request.error', { id, remoteAddress, path, message: `source could not resolve ${path}: ${(err as Error).message}` });
      this.sendStatus(res, 500, 'Internal error', {}, method === 'HEAD');
      return done(500, 0, null, 'failed');
    }
    if (!file) return reply(404, 'Not found');

    // If-Range (RFC 9110 §13.1.5): serve the range only if the validator still matches; we
    // validate by Last-Modified only, so anything else means "send the whole file".
    const lastModified = file.mtime?.toUTCString();
    const ifRange = req.headers['if-range'];
    const rangeHeader = ifRange !== undefined && ifRange !== lastModified ? undefined : req.headers.range;
    const range = parseByteRange(rangeHeader, file.size);
    const headers: Record<string, string | number> = {
      'X-Content-Type-Options': 'nosniff',
      'Accept-Ranges': 'bytes',
      'Content-Type': file.contentType ?? 'application/octet-stream',
    };
    if (lastModified) headers['Last-Modified'] = lastModified;
    if (range.kind === 'unsatisfiable') {
      return reply(416, 'Range not satisfiable', { 'Content-Range': `bytes */${file.size}`, 'Accept-Ranges': 'bytes' });
    }
    const start = range.kind === 'range' ? range.start : 0;
    const end = range.kind === 'range' ? range.end : file.size - 1;
    const total = end - start + 1;
    const status = range.kind === 'range' ? 206 : 200;
    const served = range.kind === 'range' ? { start, end } : null;
    headers['Content-Length'] = total;
    if (range.kind === 'range') headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
    // Open before the status line goes out: a file that cannot be read still gets an honest 500.
    let reader: FileReader | undefined;
    if (file.openReader && method !== 'HEAD' && total > 0) {
      try {
        reader = await file.openReader();
      } catch (err) {
        this.events.emit('request.error', { id, remoteAddress, path, message: `opening ${path} failed: ${(err as Error).message}` });
        this.sendStatus(res, 500, 'Internal error');
        return done(500, 0, null, 'failed');
      }
    }
    res.writeHead(status, headers);
    if (method === 'HEAD' || total === 0) {
      res.end();
      return done(status, 0, served, 'complete');
    }

    let lastProgressAt = startedAt;
    let bytes = 0;
    let reported = -1;
    let trailing: ReturnType<typeof setTimeout> | undefined;
    const interval = this.o.progressIntervalMs ?? 250;
    const report = () => {
      trailing = undefined;
      if (bytes === reported || bytes === total) return;
      reported = bytes;
      lastProgressAt = this.now();
      this.events.emit('request.progress', { id, bytes, total });
    };
    // The size is known before the first byte: say so at once, so a download that stalls
    // early still shows "x of y" (the timeline's "stopped at 37 %" needs the total).
    report();
    const onBytes = (sent: number) => {
      bytes = sent;
      if (this.now() - lastProgressAt >= interval) report();
      // Rate-limited, but the last position before a stall is always reported.
      else trailing ??= setTimeout(report, interval);
    };
    const onEnd = (end: PumpEnd) => {
      clearTimeout(trailing);
      this.counters.bytesSent += end.bytes;
      if (end.outcome === 'complete') return done(status, end.bytes, served, 'complete');
      const of = `${end.bytes} of ${total} bytes`;
      this.events.emit('request.error', {
        id,
        remoteAddress,
        path,
        message: end.outcome === 'client'
          ? `client closed the connection after ${of}${end.err ? ` (${(end.err as NodeJS.ErrnoException).code ?? end.err.message})` : ''}`
          : `reading ${path} failed after ${of}: ${end.err.message}`,
      });
      done(status, end.bytes, served, end.outcome === 'client' ? 'aborted' : 'failed');
    };
    if (reader) {
      const chunkBytes = readChunkFor(this.active, PUMP_DEPTH);
      pumpBody(reader, res, { start, end, chunkBytes, depth: PUMP_DEPTH, pool: this.pool, onBytes }, onEnd);
    } else {
      streamBody(file.createReadStream(start, end, { chunkBytes: readChunkFor(this.active, 4) }), res, total, onBytes, onEnd);
    }
  }

  private sendStatus(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, head = false): void {
    const body = `${message}\n`;
    // The body echoes the request path: never let a browser guess it is HTML.
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Content-Type-Options': 'nosniff', ...headers });
    res.end(head ? undefined : body);
  }
}

/**
 * Memory all running responses may hold in read buffers together. A lone download reads 1 MiB
 * at a time (the disk never waits); with many at once each reads less, down to 64 KiB at 200.
 * Measured (load bench): 1 MiB reads cost less CPU per GiB than 128–512 KiB, and 2 MiB was no
 * better.
 */
const READ_BUFFER_BUDGET = 64 * 1024 * 1024;

/**
 * Buffers a pumped response holds: one the socket is sending while the next is read. A third
 * (two reads ahead) measured no faster from the page cache and halves the chunk at 32 clients.
 */
const PUMP_DEPTH = 2;

/**
 * Free buffers kept for the next responses: a response that starts as another ends takes its
 * buffers from here. Measured at 32 clients, keeping 64 MiB (a whole wave's buffers) instead of
 * 16 saved no CPU and cost up to 48 MiB of RSS. Dropped once the server has been idle for
 * POOL_IDLE_MS.
 */
const POOLED_BYTES = 16 * 1024 * 1024;
const POOL_IDLE_MS = 30_000;

/** Read size for the next response; `held` is how many chunks one response holds at once (a stream: two reads in flight, its buffer, the one being written). */
function readChunkFor(activeResponses: number, held: number): number {
  let chunk = 1 << 20;
  while (chunk > 64 * 1024 && chunk * held * activeResponses > READ_BUFFER_BUDGET) chunk /= 2;
  return chunk;
}

/** Writes a last answer and closes: destroyed once flushed, or after a second if the peer does not read. */
function closeWith(socket: Duplex, text: string): void {
  socket.on('error', () => {});
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.end(text, () => {
    clearTimeout(timer);
    socket.destroy();
  });
}

/**
 * Splits a request target into path and query without WHATWG URL parsing, which would resolve
 * "/../" and "%2e%2e" itself and hide traversal attempts from the sanitiser. Accepts
 * origin-form ("/a?b") and absolute-form ("http://host/a?b"); undefined for anything else.
 */
function splitTarget(target: string): { rawPath: string | undefined; rawQuery: string } {
  let rest = target;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  if (!rest.startsWith('/')) {
    const absolute = /^https?:\/\/[^/?]*/i.exec(rest);
    if (!absolute) return { rawPath: undefined, rawQuery: '' };
    rest = rest.slice(absolute[0].length) || '/';
    if (rest.startsWith('?')) rest = '/' + rest;
  }
  const q = rest.indexOf('?');
  return q < 0 ? { rawPath: rest, rawQuery: '' } : { rawPath: rest.slice(0, q), rawQuery: rest.slice(q + 1) };
}
