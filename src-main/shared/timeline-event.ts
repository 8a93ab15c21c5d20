import type { ClientStage, Firmware } from './api.ts';
import type { StallCode, StallParams } from './stall-hints.ts';

/**
 * The timeline-event vocabulary: one protocol step or verdict of one client, as written to
 * `--events` (one JSON object per line), to the session log, and sent to the renderer. This file
 * is the one place that says which fields each kind carries.
 *
 * Every line starts with `ts` (ISO 8601), `client` (the MAC, lowercase colon-separated, when
 * known), `ip` (when known) and `kind`; the fields below follow. Optional fields are left out
 * when absent.
 */
interface EventBase {
  ts: string;
  client?: string;
  ip?: string;
}

/** A file's part in a boot, as far as the engine can tell (see engine/boot/file-role.ts). */
export type FileRole = 'loader' | 'script' | 'kernel' | 'initrd' | 'rootfs' | 'iso' | 'other';
export const FILE_ROLES: readonly FileRole[] = ['loader', 'script', 'kernel', 'initrd', 'rootfs', 'iso', 'other'];

export const DHCP_KINDS = [
  'dhcp.discover', 'dhcp.offer', 'dhcp.request', 'dhcp.ack', 'dhcp.nak', 'dhcp.decline', 'dhcp.release', 'dhcp.inform', 'dhcp.proxy', 'dhcp.ignored',
] as const;
export type DhcpKind = (typeof DHCP_KINDS)[number];

/**
 * dhcp.*: a DHCP packet from a client, or our answer to it. `pxe`, `ipxe`, `arch`, `firmware`
 * are the client classifier's verdict (pxe/client-class.ts); nothing downstream re-derives them.
 */
export interface DhcpStepEvent extends EventBase {
  kind: DhcpKind;
  client: string;
  /** PXE firmware, UEFI HTTP boot or iPXE (option 60 "PXEClient"/"HTTPClient", or iPXE's option 175). */
  pxe: boolean;
  ipxe: boolean;
  /** RFC 4578 option 93 client system architecture code. */
  arch?: number;
  /** The architecture's short name (x86_64, arm64, …) from the one architecture table. */
  archName?: string;
  firmware?: Exclude<Firmware, 'unknown'>;
  vendorClass?: string;
  xid: number;
  /** UDP source "address:port". */
  from: string;
  giaddr?: string;
  /** offer/ack/inform/proxy: the boot file or script URL we offered. */
  bootFile?: string;
  /** With a first-stage loader: why this one ("x86-64 UEFI: snponly.efi, iPXE on …"). */
  bootReason?: string;
  /** dhcp.proxy: which proxyDHCP answer (an OFFER on 67, an ACK on 4011), and its port. */
  answer?: 'offer' | 'ack';
  port?: number;
  /** dhcp.request: RFC 2131 §4.3.2 client state. */
  state?: 'selecting' | 'init-reboot' | 'renewing' | 'rebinding';
  /** dhcp.ack */
  leaseSeconds?: number;
  /** dhcp.nak / dhcp.ignored: why. */
  reason?: string;
}

export const TRANSFER_KINDS = [
  'tftp.start', 'tftp.progress', 'tftp.done', 'tftp.error', 'http.start', 'http.progress', 'http.done', 'http.error',
] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];
export type TransferOutcome = 'complete' | 'aborted' | 'timeout' | 'error' | 'tsize-probe' | (string & {});

/** tftp.* / http.*: one file request: start, progress (folded on the timeline), done, error. */
export interface TransferStepEvent extends EventBase {
  kind: TransferKind;
  path: string;
  /** The server's id of this request (progress and done repeat it). */
  transferId?: string;
  role?: FileRole;
  /** The image the file belongs to (library id). */
  image?: string;
  /** Bytes sent so far (progress) or in all (done). */
  bytes?: number;
  /** The file's size when known (not for a partial HTTP response). */
  total?: number;
  durationMs?: number;
  /** done: 'complete', or why the file was not delivered. */
  outcome?: TransferOutcome;
  /** error: the message; done: `detail` says more about a non-complete outcome. */
  error?: string;
  detail?: string;
  /** tftp.error: the TFTP error code sent. */
  code?: number;
  /** tftp: negotiated options and retransmissions. */
  blksize?: number;
  windowsize?: number;
  retransmits?: number;
  /** http: method, response status, the Range header of a partial request, query parameters. */
  method?: string;
  status?: number;
  range?: string;
  query?: Record<string, string>;
}

/** boot.script: the engine rendered an iPXE script (or, for the signed chain, a grub.cfg) for a client. */
export interface BootScriptEvent extends EventBase {
  kind: 'boot.script';
  /** Which boot program asked: iPXE (default) or the signed chain's GRUB. */
  loader?: 'ipxe' | 'grub';
  /** iPXE's ${platform} (pcbios, efi) and ${buildarch} (i386, x86_64, arm64). */
  platform?: string;
  buildarch?: string;
  /** The images the script offers. */
  images: string[];
  /** With one image: which image and plan, how the root arrives, whether a live system follows. */
  image?: string;
  plan?: string;
  via?: string;
  expectsLive?: boolean;
  /** With a menu: how long it waits for the technician. */
  menuTimeoutSec?: number;
}

/** nbd.connect / nbd.disconnect / nbd.error: one NBD session. */
export interface NbdSessionEvent extends EventBase {
  kind: 'nbd.connect' | 'nbd.disconnect' | 'nbd.error';
  export?: string;
  /** connect: the export's size. */
  size?: number;
  /** disconnect: bytes read, requests served, how long, and why it ended. */
  bytes?: number;
  requests?: number;
  durationMs?: number;
  reason?: string;
  detail?: string;
  /** error: no such export, or a protocol violation. */
  error?: string;
}

/**
 * boot.chain: which chain a UEFI client gets from now on: iPXE, the signed chain for Secure Boot
 * (shim → GRUB → signed kernel), or none (a Secure Boot machine that nothing here can boot), and why.
 */
export interface BootChainEvent extends EventBase {
  kind: 'boot.chain';
  client: string;
  chain: 'ipxe' | 'signed' | 'none';
  reason: string;
  /** signed: the image whose shim the client is sent, and the vendor CA its chain is signed under. */
  image?: string;
  vendor?: string;
}

/** client.stalled: the timeline's verdict that an expected step has not come. */
export interface StalledEvent extends EventBase {
  kind: 'client.stalled';
  client: string;
  code: StallCode;
  /** The English sentence (the renderer words `code` + `params` in its own language). */
  hint: string;
  params: StallParams;
  lastStage: ClientStage;
  source: 'timeline';
}

/**
 * client.done: the client finished booting: the timeline saw it live and then quiet (`source`
 * 'timeline'), or the booted system said so itself (a recipe's beacon).
 */
export interface DoneEvent extends EventBase {
  kind: 'client.done';
  client: string;
  reason: 'quiet' | 'beacon';
  source?: 'timeline';
}

/** nat.changed / server.notice / server.warning: notices about the server itself, not tied to a client. */
export interface ServerNoticeEvent extends EventBase {
  kind: 'nat.changed' | 'server.notice' | 'server.warning';
  message: string;
  level?: 'info' | 'warn' | 'error';
  /** Which server raised it (a conflicting DHCP server; a limit reached in TFTP, HTTP or NBD; the Windows Setup share). */
  source?: 'dhcp' | 'tftp' | 'http' | 'nbd' | 'smb';
  /** A conflicting DHCP server (server.warning from DHCP): its id, address, the address it offered, how we saw it. */
  serverId?: string;
  address?: string;
  offeredAddress?: string;
  via?: 'probe' | 'passive' | 'client-request';
}

export type TimelineEvent = DhcpStepEvent | TransferStepEvent | BootScriptEvent | BootChainEvent | NbdSessionEvent | StalledEvent | DoneEvent | ServerNoticeEvent;
export type TimelineKind = TimelineEvent['kind'];

export const TIMELINE_KINDS: readonly TimelineKind[] = [
  ...DHCP_KINDS,
  ...TRANSFER_KINDS,
  'boot.script',
  'boot.chain',
  'nbd.connect',
  'nbd.disconnect',
  'nbd.error',
  'client.stalled',
  'client.done',
  'nat.changed',
  'server.notice',
  'server.warning',
];

export function isDhcpStep(e: TimelineEvent): e is DhcpStepEvent {
  return e.kind.startsWith('dhcp.');
}

export function isTransferStep(e: TimelineEvent): e is TransferStepEvent {
  return e.kind.startsWith('tftp.') || e.kind.startsWith('http.');
}

/** tftp / http / nbd … : the part of the kind before the dot. */
export function kindFamily(kind: TimelineKind): string {
  return kind.slice(0, kind.indexOf('.'));
}
