import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { describeBindError } from '../../net/bind-error.ts';
import { encodeNetascii } from '../../protocol/tftp/netascii.ts';
import { blksizeForMtu, negotiateTftpOptions } from '../../protocol/tftp/tftp-options.ts';
import { decodeTftpPacket, encodeTftpPacket, TFTP_ERROR, type TftpPacket, type TftpRequest } from '../../protocol/tftp/tftp-packet.ts';
import { Emitter } from '../../shared/emitter.ts';
import { DEFAULT_LIMITS } from '../../shared/server-limits.ts';
import { ConnectionCaps } from '../connection-caps.ts';
import type { FileSource } from '../file-source.ts';
import { sanitiseRequestPath } from '../request-path.ts';
import { BlockReader } from './block-reader.ts';
import type { TftpOutcome, TftpServerEvents, TftpServerStats } from './tftp-events.ts';
import { stripV4Mapped } from '../remote-address.ts';
import { TftpReadTransfer, type TftpClock } from './tftp-read-transfer.ts';

export interface TftpServerOptions {
  /** Address to bind, e.g. the chosen interface's IPv4 address; transfer sockets bind here too. */
  readonly address: string;
  readonly port?: number;
  readonly source: FileSource;
  /** Largest blksize granted. Default: what fits a 1500-byte MTU (1468). */
  readonly maxBlksize?: number;
  /** Largest RFC 7440 windowsize granted. Default 64. */
  readonly maxWindowsize?: number;
  /** Retransmission timeout when the client does not negotiate one. Default 1000 ms. */
  readonly timeoutMs?: number;
  /** Retransmissions of the same packet before giving up. Default 5. */
  readonly maxRetries?: number;
  /** Transfers at once, over all clients; more are refused with ERROR 0. Default DEFAULT_LIMITS. */
  readonly maxTransfers?: number;
  /** Transfers at once from one client address. Default DEFAULT_LIMITS. */
  readonly maxTransfersPerAddress?: number;
  /** Largest client-chosen `timeout` honoured, in seconds; a larger one is not acknowledged. */
  readonly maxTimeoutSec?: number;
  /** Retransmissions before a client that never acknowledged anything is dropped. */
  readonly retriesBeforeFirstAck?: number;
  /** Minimum interval between transfer.progress events of one transfer. Default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Injectable clock and timers (tests). */
  readonly clock?: TftpClock;
}

function literalLookup(address: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

const realClock: TftpClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface ActiveTransfer {
  readonly transfer: TftpReadTransfer | undefined;
  /** Identity of the request, to tell a retransmitted RRQ from a new one on the same port. */
  readonly fingerprint: string;
  readonly remoteAddress: string;
}


/**
 * TFTP read-only server (RFC 1350 + 2347/2348/2349/7440). Listens on address:port; every
 * accepted request gets its own socket on an ephemeral port of the same address (its TID).
 * Writes are refused; paths are sanitised before the FileSource sees them.
 */
export class TftpServer {
  readonly events = new Emitter<TftpServerEvents>();
  private socket: Socket | undefined;
  private readonly active = new Map<string, ActiveTransfer>();
  private caps: ConnectionCaps;
  private readonly clock: TftpClock;
  private nextId = 1;
  private counters = { requests: 0, refused: 0, started: 0, completed: 0, failed: 0, bytesSent: 0, retransmits: 0, malformed: 0, duplicateRequests: 0, overLimit: 0, internalErrors: 0 };
  private readonly o: Required<Omit<TftpServerOptions, 'clock'>>;

  constructor(options: TftpServerOptions) {
    this.o = {
      port: 69,
      maxBlksize: blksizeForMtu(1500),
      maxWindowsize: 64,
      timeoutMs: 1000,
      maxRetries: 5,
      maxTransfers: DEFAULT_LIMITS.tftpMaxTransfers,
      maxTransfersPerAddress: DEFAULT_LIMITS.tftpMaxTransfersPerAddress,
      maxTimeoutSec: DEFAULT_LIMITS.tftpMaxTimeoutSec,
      retriesBeforeFirstAck: DEFAULT_LIMITS.tftpRetriesBeforeFirstAck,
      progressIntervalMs: 250,
      ...options,
    };
    this.clock = options.clock ?? realClock;
    this.caps = this.newCaps();
  }

  /** The bound port (useful with port 0 in tests). */
  get port(): number {
    const address = this.socket?.address();
    return address ? address.port : this.o.port;
  }

  async start(): Promise<void> {
    if (this.socket) return;
    const socket = createSocket({ type: isIPv6(this.o.address) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.o.address, port: this.o.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw describeBindError(err, 'TFTP', this.o.address, this.o.port, '--tftp-port');
    });
    socket.on('message', (msg, rinfo) => {
      // Nothing one datagram does may end the process: a bug here costs this request only.
      try {
        this.onRequest(msg, stripV4Mapped(rinfo.address), rinfo.port);
      } catch (err) {
        this.counters.internalErrors++;
        this.events.emit('transfer.error', { remoteAddress: stripV4Mapped(rinfo.address), remotePort: rinfo.port, requested: '', stage: 'request', message: `internal error on a request: ${(err as Error).message}` });
      }
    });
    // A listening UDP socket only errors on fatal conditions; report and carry on for the live transfers.
    socket.on('error', (err) => this.events.emit('transfer.error', { remoteAddress: '', remotePort: 0, requested: '', stage: 'request', message: `TFTP listening socket error: ${err.message}` }));
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    for (const { transfer } of [...this.active.values()]) transfer?.stop('stopped', 'server stopped');
    this.active.clear();
    this.caps = this.newCaps();
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  stats(): TftpServerStats {
    return { ...this.counters, active: this.active.size };
  }

  private onRequest(msg: Buffer, remoteAddress: string, remotePort: number): void {
    let packet: TftpPacket;
    try {
      packet = decodeTftpPacket(msg);
    } catch (err) {
      this.malformed(remoteAddress, remotePort, msg.byteLength, (err as Error).message);
      return;
    }
    if (packet.op === 'WRQ') {
      this.counters.requests++;
      this.refuse(remoteAddress, remotePort, packet.filename, TFTP_ERROR.ACCESS_VIOLATION, 'Writes are not accepted by this server');
      return;
    }
    if (packet.op !== 'RRQ') {
      // DATA/ACK/ERROR/OACK belong on a transfer socket; on the listening port they are stray.
      this.malformed(remoteAddress, remotePort, msg.byteLength, `unexpected ${packet.op} on the request port`);
      return;
    }
    this.counters.requests++;
    const key = `${remoteAddress}:${remotePort}`;
    const fingerprint = `${packet.filename}\u0000${packet.mode}\u0000${packet.options.map((o) => `${o.name}=${o.value}`).join('\u0000')}`;
    const existing = this.active.get(key);
    if (existing) {
      if (existing.fingerprint === fingerprint) {
        // The client retransmitted its RRQ (our answer was lost or slow): answer again from the
        // same transfer, never start a second one, or two TIDs would fight for the client.
        this.counters.duplicateRequests++;
        existing.transfer?.onRepeatedRequest();
        return;
      }
      // A different request from the same port: the client moved on (e.g. it probed tsize,
      // went silent, and now asks for real). The old transfer is over.
      existing.transfer?.stop('abandoned', 'superseded by a new request from the same client port');
      this.untrack(key, existing);
    }
    const admitted = this.caps.admit(remoteAddress);
    if (!admitted.ok) {
      this.counters.overLimit++;
      this.refuse(remoteAddress, remotePort, packet.filename, TFTP_ERROR.NOT_DEFINED, 'Server busy, try again', admitted.reason, true);
      if (admitted.warn) this.events.emit('warning', { message: `${admitted.warn}: refused a request for ${packet.filename}; raise the limit if this network really boots that many machines at once` });
      return;
    }
    const entry: ActiveTransfer & { transfer: TftpReadTransfer | undefined } = { transfer: undefined, fingerprint, remoteAddress };
    this.track(key, entry);
    this.serve(packet, remoteAddress, remotePort, key, entry).catch((err: unknown) => {
      if (!entry.transfer) this.untrack(key, entry);
      this.refuse(remoteAddress, remotePort, packet.filename, TFTP_ERROR.NOT_DEFINED, 'Server error', `internal error: ${(err as Error).message}`);
    });
  }

  private async serve(
    request: TftpRequest,
    remoteAddress: string,
    remotePort: number,
    key: string,
    entry: ActiveTransfer & { transfer: TftpReadTransfer | undefined },
  ): Promise<void> {
    const release = () => this.untrack(key, entry);
    const mode = request.mode.toLowerCase();
    if (mode !== 'octet' && mode !== 'netascii') {
      release();
      this.refuse(remoteAddress, remotePort, request.filename, TFTP_ERROR.ILLEGAL_OPERATION, `Transfer mode "${request.mode}" is not supported; use octet`);
      return;
    }
    const sanitised = sanitiseRequestPath(request.filename, { protocol: 'tftp' });
    if (!sanitised.ok) {
      release();
      const code = sanitised.reason === 'directory' ? TFTP_ERROR.FILE_NOT_FOUND : TFTP_ERROR.ACCESS_VIOLATION;
      this.refuse(remoteAddress, remotePort, request.filename, code, code === TFTP_ERROR.FILE_NOT_FOUND ? 'File not found' : 'Access violation', sanitised.detail);
      return;
    }
    const file = await this.o.source.resolve(sanitised.path, { protocol: 'tftp', remoteAddress });
    if (!file) {
      release();
      this.refuse(remoteAddress, remotePort, request.filename, TFTP_ERROR.FILE_NOT_FOUND, 'File not found', `no file ${sanitised.path}`);
      return;
    }
    if (!this.socket || this.active.get(key) !== entry) return; // stopped or superseded meanwhile

    const netascii = mode === 'netascii';
    const negotiated = negotiateTftpOptions(request.options, netascii ? undefined : file.size, {
      maxBlksize: this.o.maxBlksize,
      maxWindowsize: this.o.maxWindowsize,
      maxTimeoutSeconds: this.o.maxTimeoutSec,
    });
    const timeoutMs = negotiated.timeoutSeconds !== undefined ? negotiated.timeoutSeconds * 1000 : this.o.timeoutMs;
    const socket = await this.bindTransferSocket();
    if (!this.socket || this.active.get(key) !== entry) {
      socket.close();
      return;
    }
    // Connected to the client: see ReadTransferOptions.socket for why.
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(remotePort, remoteAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    if (!this.socket || this.active.get(key) !== entry) {
      socket.close();
      return;
    }
    // Opened at the first block, not before the client answered our OACK; read in pieces of about
    // two windows, so an idle or abandoned transfer holds kilobytes, not the source's big chunks.
    const chunkBytes = Math.min(64 * 1024, Math.max(8 * 1024, 2 * negotiated.windowsize * negotiated.blksize));
    const openStream = file.size > 0 ? () => file.createReadStream(0, file.size - 1, { chunkBytes }) : null;
    const reader = new BlockReader(openStream, negotiated.blksize, chunkBytes, netascii ? encodeNetascii : undefined);

    const id = `tftp-${this.nextId++}`;
    const startedAt = this.clock.now();
    let lastProgressAt = startedAt;
    let reportedBytes = 0;
    const transfer = new TftpReadTransfer({
      socket,
      remoteAddress,
      remotePort,
      reader,
      blksize: negotiated.blksize,
      windowsize: negotiated.windowsize,
      timeoutMs,
      maxRetries: this.o.maxRetries,
      retriesBeforeFirstAck: this.o.retriesBeforeFirstAck,
      oack: negotiated.acknowledged,
      clock: this.clock,
      onMalformed: (length, reason) => this.malformed(remoteAddress, remotePort, length, reason),
      onProgress: (bytes) => {
        this.counters.bytesSent += bytes - reportedBytes;
        reportedBytes = bytes;
        const now = this.clock.now();
        if (now - lastProgressAt < this.o.progressIntervalMs) return;
        lastProgressAt = now;
        this.events.emit('transfer.progress', { id, bytes, size: file.size, retransmits: transfer.retransmits });
      },
      onDone: (outcome: TftpOutcome, detail?: string) => {
        release();
        this.counters.retransmits += transfer.retransmits;
        if (outcome === 'complete') this.counters.completed++;
        else if (outcome !== 'options-probe') this.counters.failed++;
        const base = { remoteAddress, remotePort, path: sanitised.path };
        if (outcome !== 'complete' && outcome !== 'options-probe') {
          this.events.emit('transfer.error', { id, remoteAddress, remotePort, requested: request.filename, stage: 'transfer', message: `${sanitised.path}: ${detail ?? outcome}` });
        }
        this.events.emit('transfer.done', {
          id,
          ...base,
          bytes: transfer.ackedBytes,
          durationMs: this.clock.now() - startedAt,
          retransmits: transfer.retransmits,
          outcome,
          ...(detail !== undefined ? { detail } : {}),
        });
      },
    });
    entry.transfer = transfer;
    this.counters.started++;
    this.events.emit('transfer.start', {
      id,
      remoteAddress,
      remotePort,
      path: sanitised.path,
      mode: netascii ? 'netascii' : 'octet',
      size: file.size,
      options: {
        blksize: negotiated.blksize,
        windowsize: negotiated.windowsize,
        timeoutMs,
        ...(negotiated.tsize !== undefined ? { tsize: negotiated.tsize } : {}),
        oack: negotiated.acknowledged.length > 0,
      },
    });
    transfer.start();
  }

  /** Registers an admitted transfer (its slot in the caps is already taken). */
  private track(key: string, entry: ActiveTransfer): void {
    this.active.set(key, entry);
  }

  /** Forgets `entry` if it is still the transfer registered under `key` (idempotent). */
  private untrack(key: string, entry: ActiveTransfer): void {
    if (this.active.get(key) !== entry) return;
    this.active.delete(key);
    this.caps.release(entry.remoteAddress);
  }

  private newCaps(): ConnectionCaps {
    return new ConnectionCaps(this.o.maxTransfers, this.o.maxTransfersPerAddress, {
      total: 'tftpMaxTransfers',
      perAddress: 'tftpMaxTransfersPerAddress',
      what: 'TFTP',
      held: 'transfers running',
    }, () => this.clock.now());
  }


  private async bindTransferSocket(): Promise<Socket> {
    // Transfer sockets only ever send to the IP literal the request came from; the default
    // lookup would defer every DATA packet through dns.lookup and a nextTick.
    const socket = createSocket({ type: isIPv6(this.o.address) ? 'udp6' : 'udp4', lookup: literalLookup });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.o.address, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw describeBindError(err, 'TFTP transfer', this.o.address, 0);
    });
    return socket;
  }

  /** Refuses a request with an ERROR from a fresh TID (RFC 1350 §4: the reply to a request comes from the new TID). */
  private refuse(remoteAddress: string, remotePort: number, requested: string, code: number, message: string, detail?: string, busy = false): void {
    this.counters.refused++;
    this.events.emit('transfer.error', { remoteAddress, remotePort, requested, stage: 'request', code, message: detail ? `${message}: ${detail}` : message });
    if (busy) {
      // Over a limit, a fresh socket per refusal would be one more thing a flood could exhaust.
      this.socket?.send(encodeTftpPacket({ op: 'ERROR', code, message }), remotePort, remoteAddress);
      return;
    }
    this.bindTransferSocket().then(
      (socket) => {
        socket.send(encodeTftpPacket({ op: 'ERROR', code, message }), remotePort, remoteAddress, () => socket.close());
      },
      () => {
        // No ephemeral port: answer from the listening socket rather than not at all.
        this.socket?.send(encodeTftpPacket({ op: 'ERROR', code, message }), remotePort, remoteAddress);
      },
    );
  }

  private malformed(remoteAddress: string, remotePort: number, length: number, reason: string): void {
    this.counters.malformed++;
    this.events.emit('malformed', { remoteAddress, remotePort, length, reason });
  }
}
