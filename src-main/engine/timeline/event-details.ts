import { normalizeMac, type TimelineEvent } from '../../shared/timeline-event.ts';

/**
 * The detail fields the timeline reads from a TimelineEvent. Events are open records (they are
 * written verbatim to the JSON-lines log), so every read here is defensive: a field of the
 * wrong type is treated as absent, never trusted.
 *
 * What the engine should put on events (all optional):
 *   transfers (tftp.*, http.*): path, bytes, total (file size), durationMs, status, error,
 *     outcome (on done: 'complete', or why the file was not delivered), range (HTTP Range
 *     header when the request is partial), role, transferId, image
 *   nbd.*: export, bytes, durationMs; nbd.error: export, error
 *   dhcp.*: arch (RFC 4578 option 93 code), vendorClass (option 60), pxe, ipxe, leaseSeconds
 *   boot.script / http of the script: image, plan, via, expectsLive, menuTimeoutSec, platform, buildarch
 */
export type FileRole = 'loader' | 'script' | 'kernel' | 'initrd' | 'rootfs' | 'iso' | 'other';

const FILE_ROLES: readonly FileRole[] = ['loader', 'script', 'kernel', 'initrd', 'rootfs', 'iso', 'other'];

export function str(event: TimelineEvent, key: string): string | undefined {
  const v = event[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function num(event: TimelineEvent, key: string): number | undefined {
  const v = event[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(event: TimelineEvent, key: string): boolean | undefined {
  const v = event[key];
  return typeof v === 'boolean' ? v : undefined;
}

export function roleOf(event: TimelineEvent): FileRole | undefined {
  const v = event['role'];
  return typeof v === 'string' && (FILE_ROLES as readonly string[]).includes(v) ? (v as FileRole) : undefined;
}

/** An HTTP request for part of a file (iPXE sanboot reads an ISO in many small ranges). */
export function isRanged(event: TimelineEvent): boolean {
  const v = event['range'];
  return v === true || (typeof v === 'string' && v !== '') || (typeof v === 'object' && v !== null);
}

/** Query parameters of an HTTP request, as the engine passed them (record or URLSearchParams-like). */
export function queryParam(event: TimelineEvent, key: string): string | undefined {
  const q = event['query'];
  if (!q || typeof q !== 'object') return undefined;
  if (typeof (q as URLSearchParams).get === 'function') return (q as URLSearchParams).get(key) ?? undefined;
  const v = (q as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Event time in ms: the event's own `ts` when it parses, else `fallback` (the clock). */
export function eventTime(event: TimelineEvent, fallback: number): number {
  const t = typeof event.ts === 'string' ? Date.parse(event.ts) : NaN;
  return Number.isFinite(t) ? t : fallback;
}

/**
 * Whether a DHCP packet came from PXE firmware: vendor class "PXEClient…" (PXE spec 2.1, also
 * sent by iPXE) unless the engine said explicitly.
 */
export function isPxe(event: TimelineEvent): boolean | undefined {
  const explicit = bool(event, 'pxe');
  if (explicit !== undefined) return explicit;
  const vc = str(event, 'vendorClass');
  return vc === undefined ? undefined : vc.startsWith('PXEClient');
}

const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** normalizeMac with a fast path for the spelling the servers already use (every event passes here). */
export function canonicalMac(raw: unknown): string | undefined {
  // Events are open records: a client field of another type is no MAC (and must not throw).
  if (typeof raw !== 'string') return undefined;
  return raw.length === 17 && CANONICAL_MAC.test(raw) ? raw : normalizeMac(raw);
}
