import type { DhcpServerEvents } from '../../servers/dhcp/dhcp-events.ts';
import type { HttpServerEvents } from '../../servers/http/http-events.ts';
import type { NbdServerEvents } from '../../servers/nbd/nbd-events.ts';
import type { TftpServerEvents } from '../../servers/tftp/tftp-events.ts';
import type { DhcpKind, DhcpStepEvent, FileRole, NbdSessionEvent, TimelineEvent, TransferStepEvent } from '../../shared/timeline-event.ts';

/** What the engine knows about a served path: which boot file it is, and of which image. */
export interface FileClassification {
  role?: FileRole;
  image?: string;
}

export type FileClassifier = (protocol: 'tftp' | 'http', path: string) => FileClassification | undefined;

export interface ServerEventMapperOptions {
  now?: () => number;
  /** Tags transfer events with `role` and `image` (the engine knows each plan's files). */
  classify?: FileClassifier;
  /** Requests in flight remembered for their progress/done events (a bound against leaks). */
  maxInFlight?: number;
}

interface InFlight {
  ip: string;
  path: string;
  total?: number;
  range?: string;
  details: FileDetails;
}

type FileDetails = Pick<TransferStepEvent, 'role' | 'image'>;

/**
 * Turns the servers' typed events into TimelineEvents (the `--events` vocabulary): one per
 * protocol step, typed by the union in shared/timeline-event.ts. Progress
 * and done events of TFTP and HTTP carry only a request id, so the request's address and path
 * are remembered from its start. DHCP events carry the client's MAC; the others only an IP,
 * which ClientIdentity turns into a MAC afterwards. Returns undefined for events that are no
 * protocol step of a client (malformed packets; the engine logs those itself).
 */
export class ServerEventMapper {
  private readonly now: () => number;
  private readonly classify: FileClassifier;
  private readonly maxInFlight: number;
  private readonly tftpInFlight = new Map<string, InFlight>();
  private readonly httpInFlight = new Map<string, InFlight>();

  constructor(opts: ServerEventMapperOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.classify = opts.classify ?? (() => undefined);
    this.maxInFlight = opts.maxInFlight ?? 4096;
  }

  dhcp<K extends keyof DhcpServerEvents>(name: K, payload: DhcpServerEvents[K]): TimelineEvent | undefined {
    if (name === 'malformed') return undefined;
    if (name === 'conflict' || name === 'warning') {
      const p = payload as DhcpServerEvents['conflict'] | DhcpServerEvents['warning'];
      return { ts: this.ts(), kind: 'server.warning', source: 'dhcp', ...p };
    }
    // Every other DHCP event carries a DhcpClientRef: the classifier's verdict travels as is.
    const p = payload as DhcpServerEvents['discover'] & Partial<DhcpServerEvents['ack'] & DhcpServerEvents['request'] & DhcpServerEvents['proxy'] & DhcpServerEvents['nak']>;
    const ev: DhcpStepEvent = { ts: this.ts(), kind: `dhcp.${name}` as DhcpKind, client: p.mac, pxe: p.pxe, ipxe: p.ipxe, xid: p.xid, from: p.from };
    if (p.ip) ev.ip = p.ip;
    if (p.arch !== null && p.arch !== undefined) ev.arch = p.arch;
    if (p.archName) ev.archName = p.archName;
    if (p.firmware && p.firmware !== 'unknown') ev.firmware = p.firmware;
    if (p.vendorClass) ev.vendorClass = p.vendorClass;
    if (p.giaddr) ev.giaddr = p.giaddr;
    if (p.boot) ev.bootFile = p.boot.bootFile;
    if (p.boot?.reason) ev.bootReason = p.boot.reason;
    if (p.kind) ev.answer = p.kind;
    if (p.port !== undefined) ev.port = p.port;
    if (p.state) ev.state = p.state;
    if (p.leaseSeconds !== undefined) ev.leaseSeconds = p.leaseSeconds;
    if (p.reason) ev.reason = p.reason;
    return ev;
  }

  tftp<K extends keyof TftpServerEvents>(name: K, payload: TftpServerEvents[K]): TimelineEvent | undefined {
    switch (name) {
      case 'transfer.start': {
        const p = payload as TftpServerEvents['transfer.start'];
        const details = this.fileDetails('tftp', p.path);
        remember(this.tftpInFlight, p.id, { ip: p.remoteAddress, path: p.path, total: p.size, details }, this.maxInFlight);
        return { ts: this.ts(), kind: 'tftp.start', ip: p.remoteAddress, path: p.path, total: p.size, transferId: p.id, blksize: p.options.blksize, windowsize: p.options.windowsize, ...details };
      }
      case 'transfer.progress': {
        const p = payload as TftpServerEvents['transfer.progress'];
        const f = this.tftpInFlight.get(p.id);
        if (!f) return undefined;
        return { ts: this.ts(), kind: 'tftp.progress', ip: f.ip, path: f.path, bytes: p.bytes, total: p.size, transferId: p.id, retransmits: p.retransmits, ...f.details };
      }
      case 'transfer.done': {
        const p = payload as TftpServerEvents['transfer.done'];
        const f = this.tftpInFlight.get(p.id);
        this.tftpInFlight.delete(p.id);
        const ev: TransferStepEvent = { ts: this.ts(), kind: 'tftp.done', ip: p.remoteAddress, path: p.path, bytes: p.bytes, durationMs: p.durationMs, outcome: p.outcome, transferId: p.id, retransmits: p.retransmits, ...(f?.details ?? this.fileDetails('tftp', p.path)) };
        if (f?.total !== undefined) ev.total = f.total;
        if (p.detail) ev.detail = p.detail;
        return ev;
      }
      case 'transfer.error': {
        const p = payload as TftpServerEvents['transfer.error'];
        // A started transfer's error is followed by its transfer.done, which carries the outcome.
        if (p.id !== undefined) return undefined;
        const ev: TransferStepEvent = { ts: this.ts(), kind: 'tftp.error', ip: p.remoteAddress, path: p.requested, error: p.message, ...this.fileDetails('tftp', p.requested) };
        if (p.code !== undefined) ev.code = p.code;
        return ev;
      }
      default:
        return undefined;
    }
  }

  http<K extends keyof HttpServerEvents>(name: K, payload: HttpServerEvents[K]): TimelineEvent | undefined {
    switch (name) {
      case 'request.start': {
        const p = payload as HttpServerEvents['request.start'];
        const details = this.fileDetails('http', p.path);
        const inflight: InFlight = { ip: p.remoteAddress, path: p.path, details };
        if (p.range) inflight.range = p.range;
        remember(this.httpInFlight, p.id, inflight, this.maxInFlight);
        const ev: TransferStepEvent = { ts: this.ts(), kind: 'http.start', ip: p.remoteAddress, path: p.path, method: p.method, transferId: p.id, ...details };
        if (p.query) ev.query = Object.fromEntries(new URLSearchParams(p.query));
        if (p.range) ev.range = p.range;
        return ev;
      }
      case 'request.progress': {
        const p = payload as HttpServerEvents['request.progress'];
        const f = this.httpInFlight.get(p.id);
        if (!f) return undefined;
        // A partial response's total is the range's length, not the file's: leave it out.
        if (!f.range) f.total = p.total;
        const ev: TransferStepEvent = { ts: this.ts(), kind: 'http.progress', ip: f.ip, path: f.path, bytes: p.bytes, transferId: p.id, ...f.details };
        if (f.range) ev.range = f.range;
        else ev.total = p.total;
        return ev;
      }
      case 'request.done': {
        const p = payload as HttpServerEvents['request.done'];
        const f = this.httpInFlight.get(p.id);
        this.httpInFlight.delete(p.id);
        const ev: TransferStepEvent = { ts: this.ts(), kind: 'http.done', ip: p.remoteAddress, path: p.path, status: p.status, bytes: p.bytes, durationMs: p.durationMs, outcome: p.outcome, transferId: p.id, ...(f?.details ?? this.fileDetails('http', p.path)) };
        if (f?.range || p.range) ev.range = f?.range ?? `bytes=${p.range!.start}-${p.range!.end}`;
        else if (p.outcome === 'complete' && p.status < 300) ev.total = f?.total ?? p.bytes;
        return ev;
      }
      case 'request.error': {
        const p = payload as HttpServerEvents['request.error'];
        const f = this.httpInFlight.get(p.id);
        return { ts: this.ts(), kind: 'http.error', ip: p.remoteAddress, path: p.path, error: p.message, transferId: p.id, ...(f?.details ?? {}) };
      }
      default:
        return undefined;
    }
  }

  nbd<K extends keyof NbdServerEvents>(name: K, payload: NbdServerEvents[K]): TimelineEvent | undefined {
    switch (name) {
      case 'connect': {
        const p = payload as NbdServerEvents['connect'];
        return { ts: this.ts(), kind: 'nbd.connect', ip: p.remoteAddress, export: p.export, size: p.size };
      }
      case 'disconnect': {
        const p = payload as NbdServerEvents['disconnect'];
        const ev: NbdSessionEvent = { ts: this.ts(), kind: 'nbd.disconnect', ip: p.remoteAddress, export: p.export, bytes: p.bytesRead, requests: p.requests, durationMs: p.durationMs, reason: p.reason };
        if (p.detail) ev.detail = p.detail;
        return ev;
      }
      case 'unknown-export': {
        const p = payload as NbdServerEvents['unknown-export'];
        return { ts: this.ts(), kind: 'nbd.error', ip: p.remoteAddress, export: p.export, error: `no export named "${p.export}"` };
      }
      case 'malformed': {
        const p = payload as NbdServerEvents['malformed'];
        return { ts: this.ts(), kind: 'nbd.error', ip: p.remoteAddress, error: `protocol error in ${p.phase}: ${p.message}` };
      }
      default:
        return undefined;
    }
  }

  private fileDetails(protocol: 'tftp' | 'http', path: string): FileDetails {
    const c = this.classify(protocol, path);
    const details: FileDetails = {};
    if (c?.role) details.role = c.role;
    if (c?.image) details.image = c.image;
    return details;
  }

  private ts(): string {
    return new Date(this.now()).toISOString();
  }
}

function remember(map: Map<string, InFlight>, id: string, value: InFlight, max: number): void {
  map.set(id, value);
  // Requests whose done never came (a server bug) must not accumulate forever.
  while (map.size > max) map.delete(map.keys().next().value!);
}
