import { createServer, type Server, type Socket } from 'node:net';
import { NbdProtocolError } from '../../protocol/nbd/index.ts';
import { describeBindError } from '../../net/bind-error.ts';
import { Emitter } from '../../shared/emitter.ts';
import { DEFAULT_LIMITS, type ServerLimits } from '../../shared/server-limits.ts';
import { ConnectionCaps } from '../connection-caps.ts';
import { BufferPool } from '../buffer-pool.ts';
import { ByteBudget } from './byte-budget.ts';
import type { NbdExportProvider } from './export-provider.ts';
import { negotiate } from './handshake-session.ts';
import type { NbdDisconnectReason, NbdServerEvents } from './nbd-events.ts';
import { ConnectionEndedError, SocketReader } from './socket-reader.ts';
import { TransmissionSession } from './transmission-session.ts';

export interface NbdServerOptions {
  /** Address to listen on (the boot interface's address, or 127.0.0.1 in tests). */
  address: string;
  /** 10809 is IANA's NBD port; 0 picks a free one (tests). */
  port?: number;
  exports: NbdExportProvider;
  /** Per connection: outstanding requests before the server stops reading from the socket. */
  maxInflightRequests?: number;
  /** Per connection: outstanding READ bytes before the server stops reading from the socket. */
  maxInflightBytes?: number;
  /** Close connections that have not finished the handshake after this long. */
  handshakeTimeoutMs?: number;
  /** Connection caps, the server-wide in-flight byte budget and the send stall timeout. */
  limits?: Partial<Pick<ServerLimits, 'nbdMaxConnections' | 'nbdMaxConnectionsPerAddress' | 'nbdMaxInflightBytes' | 'sendStallTimeoutMs'>>;
}

export const NBD_DEFAULT_PORT = 10809;
// nbdcopy keeps 64 requests of 256 KiB in flight per connection; allow that without throttling it.
const DEFAULT_MAX_INFLIGHT_REQUESTS = 128;
const DEFAULT_MAX_INFLIGHT_BYTES = 32 * 1024 * 1024;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * Read-only NBD server (fixed newstyle, simple replies). Each image is an export named by its
 * id; each connection gets its own opened export, closed when the connection ends.
 */
export class NbdServer {
  readonly events = new Emitter<NbdServerEvents>();
  private server: Server | null = null;
  private readonly connections = new Map<number, { socket: Socket; finished: Promise<void>; stopping: boolean; sent: number; sentAt: number }>();
  private nextId = 1;
  private boundPort = 0;
  private readonly pool = new BufferPool();
  private readonly caps: ConnectionCaps;
  private readonly budget: ByteBudget;
  private readonly stallMs: number;
  private stallTimer: NodeJS.Timeout | undefined;
  private counters = { refused: 0, stalled: 0, internalErrors: 0 };

  constructor(private readonly options: NbdServerOptions) {
    const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
    this.caps = new ConnectionCaps(limits.nbdMaxConnections, limits.nbdMaxConnectionsPerAddress, {
      total: 'nbdMaxConnections',
      perAddress: 'nbdMaxConnectionsPerAddress',
      what: 'NBD',
    });
    this.budget = new ByteBudget(limits.nbdMaxInflightBytes);
    this.stallMs = limits.sendStallTimeoutMs;
  }

  stats(): { connections: number; inflightBytes: number; refused: number; stalled: number; internalErrors: number } {
    return { connections: this.connections.size, inflightBytes: this.budget.held, ...this.counters };
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  get address(): string {
    return this.options.address;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error('NbdServer already started');
    const port = this.options.port ?? NBD_DEFAULT_PORT;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(describeBindError(err, 'NBD', this.options.address, port, '--nbd-port')));
      server.listen({ host: this.options.address, port, exclusive: true }, () => resolve());
    });
    server.on('error', (err) => console.error(`NBD server on ${this.options.address}:${port}: ${err.message}`));
    this.server = server;
    this.stallTimer = setInterval(() => this.cutStalled(), Math.max(10, Math.min(1000, this.stallMs / 4)));
    this.stallTimer.unref();
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
  }

  /** Stops listening, drops every connection and waits until their exports are closed. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    clearInterval(this.stallTimer);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of this.connections.values()) {
      conn.stopping = true;
      conn.socket.destroy();
    }
    await Promise.all([...this.connections.values()].map((c) => c.finished));
    await closed;
  }

  private accept(socket: Socket): void {
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const admitted = this.caps.admit(address);
    if (!admitted.ok) {
      this.counters.refused++;
      if (admitted.warn) this.events.emit('warning', { message: `${admitted.warn}: refused a connection; raise the limit if this network really needs more` });
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    const id = this.nextId++;
    const entry = { socket, finished: Promise.resolve(), stopping: false, sent: 0, sentAt: performance.now() };
    entry.finished = this.serve(id, socket, () => entry.stopping)
      .catch((err: unknown) => {
        // A bug in one connection's handling drops that connection only.
        this.counters.internalErrors++;
        this.events.emit('malformed', { id, remoteAddress: address, remotePort: socket.remotePort ?? 0, phase: 'transmission', message: `internal error: ${err instanceof Error ? err.message : String(err)}` });
        socket.destroy();
      })
      .finally(() => {
        this.connections.delete(id);
        this.caps.release(address);
      });
    this.connections.set(id, entry);
  }

  /**
   * Replies a client leaves unread hold buffers (and the shared byte budget); a connection whose
   * queued output has not moved for sendStallTimeoutMs is cut. Idle clients with nothing queued
   * (a mounted root file system between reads) are left alone.
   */
  private cutStalled(): void {
    const now = performance.now();
    for (const conn of this.connections.values()) {
      const socket = conn.socket;
      if (socket.writableLength === 0 || socket.bytesWritten !== conn.sent) {
        conn.sent = socket.bytesWritten;
        conn.sentAt = now;
        continue;
      }
      if (now - conn.sentAt >= this.stallMs) {
        this.counters.stalled++;
        socket.destroy(new Error(`client read nothing for ${this.stallMs} ms with ${socket.writableLength} bytes waiting (sendStallTimeoutMs)`));
      }
    }
  }

  private async serve(id: number, socket: Socket, stopping: () => boolean): Promise<void> {
    const started = Date.now();
    const remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const remotePort = socket.remotePort ?? 0;
    const reader = new SocketReader(socket);
    // Errors surface through the reader as ConnectionEndedError; without a listener Node would throw.
    socket.on('error', () => {});
    const write = (bytes: Uint8Array) => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const malformed = (phase: 'handshake' | 'transmission', err: unknown) =>
      this.events.emit('malformed', { id, remoteAddress, remotePort, phase, message: err instanceof Error ? err.message : String(err) });

    const timeoutMs = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const handshakeTimer = setTimeout(() => socket.destroy(new Error(`NBD handshake not finished after ${timeoutMs} ms`)), timeoutMs);
    let outcome;
    try {
      outcome = await negotiate({ reader, write }, this.options.exports, {
        unknownExport: (name, error) =>
          this.events.emit('unknown-export', {
            id,
            remoteAddress,
            export: name,
            ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
          }),
      });
    } catch (err) {
      if (!(err instanceof ConnectionEndedError)) malformed('handshake', err);
      await closeSocket(socket);
      return;
    } finally {
      clearTimeout(handshakeTimer);
    }
    if (outcome.kind === 'closed') {
      await closeSocket(socket);
      return;
    }

    const exp = outcome.export;
    this.events.emit('connect', { id, remoteAddress, remotePort, export: outcome.name, size: exp.size });
    const session = new TransmissionSession(
      {
        reader,
        writable: () => !socket.destroyed,
        reply: (header, data, done) => {
          if (data && data.byteLength) {
            // Header and data in one writev, and nothing else between them.
            socket.cork();
            socket.write(header);
            socket.write(data, () => done());
            socket.uncork();
          } else {
            socket.write(header, () => done());
          }
        },
      },
      exp,
      {
        maxInflightRequests: this.options.maxInflightRequests ?? DEFAULT_MAX_INFLIGHT_REQUESTS,
        maxInflightBytes: this.options.maxInflightBytes ?? DEFAULT_MAX_INFLIGHT_BYTES,
      },
      this.pool,
      this.budget,
    );
    let reason: NbdDisconnectReason = 'disc';
    let detail: string | undefined;
    try {
      await session.run();
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
      if (stopping()) reason = 'server-stopped';
      else if (err instanceof NbdProtocolError) {
        reason = 'malformed';
        malformed('transmission', err);
      } else if (err instanceof ConnectionEndedError) {
        // Between requests a reset or EPIPE is just how some clients hang up (no NBD_CMD_DISC).
        reason = err.received > 0 ? 'vanished' : 'closed';
      } else reason = 'socket-error';
    }
    await closeSocket(socket);
    try {
      await exp.close?.();
    } catch (err) {
      console.error(`NBD export ${outcome.name}: close failed: ${(err as Error).message}`);
    }
    this.events.emit('disconnect', {
      id,
      remoteAddress,
      remotePort,
      export: outcome.name,
      bytesRead: session.stats.bytesRead,
      requests: session.stats.requests,
      durationMs: Date.now() - started,
      reason,
      ...(detail === undefined ? {} : { detail }),
    });
  }
}

/** Flushes what was written (a final ERR_TOO_BIG, the last replies) and closes. */
function closeSocket(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
    // A client that never reads would keep end() from completing.
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}
