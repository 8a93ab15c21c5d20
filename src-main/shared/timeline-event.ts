/**
 * One protocol step of one client, as written to `--events` (JSON lines) and shown on the
 * timeline. `client` is the MAC (lowercase, colon-separated) when known.
 */
export type TimelineKind =
  | 'dhcp.discover'
  | 'dhcp.offer'
  | 'dhcp.request'
  | 'dhcp.ack'
  | 'dhcp.nak'
  | 'dhcp.decline'
  | 'dhcp.release'
  | 'dhcp.inform'
  | 'dhcp.proxy'
  | 'dhcp.ignored'
  | 'tftp.start'
  | 'tftp.progress'
  | 'tftp.done'
  | 'tftp.error'
  | 'http.start'
  | 'http.progress'
  | 'http.done'
  | 'http.error'
  | 'nbd.connect'
  | 'nbd.disconnect'
  /** An NBD client asked for an export that does not exist, or broke the protocol. */
  | 'nbd.error'
  | 'boot.script'
  /** Which chain a UEFI client gets (iPXE, or the signed chain for Secure Boot) and why. */
  | 'boot.chain'
  | 'client.stalled'
  /** The client finished booting: explicit (a recipe's beacon) or inferred by the timeline (live and quiet). */
  | 'client.done'
  | 'nat.changed'
  | 'server.warning';

export interface TimelineEvent {
  /** ISO 8601 time. */
  ts: string;
  kind: TimelineKind;
  client?: string;
  ip?: string;
  /** Protocol details: path, bytes, durationMs, status, arch, … */
  [detail: string]: unknown;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lower-case, colon-separated MAC, or undefined if `raw` is not a 6-byte MAC in any usual spelling. */
export function normalizeMac(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const hex = raw.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12) return undefined;
  const mac = hex.match(/../g)!.join(':');
  return MAC_RE.test(mac) ? mac : undefined;
}
