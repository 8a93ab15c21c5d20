import { TFTP_MAX_BLKSIZE, TFTP_MIN_BLKSIZE, type TftpOption } from './tftp-packet.ts';

/**
 * Server-side option negotiation for a read request: RFC 2347 (framework), 2348 (blksize),
 * 2349 (timeout, tsize), 7440 (windowsize). Unknown or invalid options are left out of the OACK,
 * which RFC 2347 §3 says means "not accepted"; the client then falls back to defaults.
 */
export interface TftpServerLimits {
  /** Largest blksize granted; the path MTU bounds it (1468 for Ethernet's 1500). */
  readonly maxBlksize: number;
  /** Largest windowsize granted (RFC 7440 allows 65535; big windows only add loss bursts). */
  readonly maxWindowsize: number;
  /** Largest `timeout` acknowledged, in seconds; a client asking for more is not acknowledged. Default 255. */
  readonly maxTimeoutSeconds?: number;
}

export interface NegotiatedTftpOptions {
  readonly blksize: number;
  readonly windowsize: number;
  /** Seconds, only when the client asked (RFC 2349: the server must echo it unchanged or ignore it). */
  readonly timeoutSeconds?: number;
  /** Transfer size reported, when the client asked and the size is known. */
  readonly tsize?: number;
  /** What goes in the OACK, in the client's order and spelling; empty means send no OACK. */
  readonly acknowledged: readonly TftpOption[];
}

/** blksize that fits one Ethernet frame: MTU − IPv4 (20) − UDP (8) − TFTP header (4). */
export function blksizeForMtu(mtu: number): number {
  return Math.max(TFTP_MIN_BLKSIZE, Math.min(TFTP_MAX_BLKSIZE, mtu - 32));
}

/**
 * @param transferSize the exact number of bytes the transfer will carry, or undefined when it is
 *   not known in advance (netascii conversion changes the length), in which case tsize is not acknowledged.
 */
export function negotiateTftpOptions(requested: readonly TftpOption[], transferSize: number | undefined, limits: TftpServerLimits): NegotiatedTftpOptions {
  let blksize = 512;
  let windowsize = 1;
  let timeoutSeconds: number | undefined;
  let tsize: number | undefined;
  const acknowledged: TftpOption[] = [];
  const seen = new Set<string>();
  for (const option of requested) {
    const key = option.name.toLowerCase();
    // A repeated option is ambiguous; the first occurrence wins and later ones are ignored.
    if (seen.has(key)) continue;
    seen.add(key);
    const n = parseDecimal(option.value);
    switch (key) {
      case 'blksize':
        // RFC 2348: values below 8 are invalid (ignored); above our limit we answer with less.
        if (n === undefined || n < TFTP_MIN_BLKSIZE) continue;
        blksize = Math.min(n, TFTP_MAX_BLKSIZE, Math.max(TFTP_MIN_BLKSIZE, limits.maxBlksize));
        acknowledged.push({ name: option.name, value: String(blksize) });
        break;
      case 'timeout':
        // RFC 2349: 1..255 seconds, echoed unchanged or not at all.
        // Above our limit it is not acknowledged (not clamped: the value must be echoed unchanged),
        // so a client cannot make one unanswered packet hold a transfer for minutes.
        if (n === undefined || n < 1 || n > Math.min(255, limits.maxTimeoutSeconds ?? 255)) continue;
        timeoutSeconds = n;
        acknowledged.push({ name: option.name, value: String(n) });
        break;
      case 'tsize':
        // RFC 2349: a reader sends 0 and learns the size from the OACK.
        if (n === undefined || transferSize === undefined) continue;
        tsize = transferSize;
        acknowledged.push({ name: option.name, value: String(transferSize) });
        break;
      case 'windowsize':
        // RFC 7440: 1..65535; the server may answer with a smaller window.
        if (n === undefined || n < 1 || n > 65535) continue;
        windowsize = Math.min(n, Math.max(1, limits.maxWindowsize));
        acknowledged.push({ name: option.name, value: String(windowsize) });
        break;
      default:
        continue;
    }
  }
  return { blksize, windowsize, timeoutSeconds, tsize, acknowledged };
}

/** Plain unsigned decimal, no sign, no exponent, no whitespace; undefined otherwise. */
function parseDecimal(value: string): number | undefined {
  if (!/^[0-9]{1,15}$/.test(value)) return undefined;
  return Number(value);
}
