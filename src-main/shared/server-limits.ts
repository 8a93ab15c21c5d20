/**
 * Every bound a hostile or broken LAN runs into, with its default, in one place. The engine
 * hands them to the servers; settings.json (`limits`) and `bootcast serve --limit NAME=VALUE`
 * override them. Pure: the UI can show and edit them too.
 */
export interface ServerLimits {
  /** TFTP transfers running at once, over all clients. */
  tftpMaxTransfers: number;
  /** TFTP transfers running at once from one client address. */
  tftpMaxTransfersPerAddress: number;
  /** Largest retransmission timeout a client may ask for with the `timeout` option, in seconds. */
  tftpMaxTimeoutSec: number;
  /** Retransmissions of the OACK / first DATA before a client that never acknowledged is dropped. */
  tftpRetriesBeforeFirstAck: number;
  /** HTTP connections open at once, over all clients. */
  httpMaxConnections: number;
  /** HTTP connections open at once from one client address. */
  httpMaxConnectionsPerAddress: number;
  /** Time a client has to send a request's headers before it gets 408, in ms. */
  httpHeadersTimeoutMs: number;
  /** A kept-alive connection with no request is closed after this long, in ms. */
  httpIdleTimeoutMs: number;
  /** A response the client stops reading for this long is cut off, in ms (NBD too). */
  sendStallTimeoutMs: number;
  /** NBD connections open at once, over all clients. */
  nbdMaxConnections: number;
  /** NBD connections open at once from one client address. */
  nbdMaxConnectionsPerAddress: number;
  /** READ reply bytes held in memory for all NBD clients together, in bytes. */
  nbdMaxInflightBytes: number;
  /** Whether NBD clients may list exports (names are image ids; descriptions are left out). */
  nbdListExports: boolean;
  /** Largest ISO accepted by the UI's upload, in bytes. */
  uploadMaxBytes: number;
  /** An upload is refused when it would leave less free disk than this, in bytes. */
  uploadReserveBytes: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  // A PXE ROM probes tsize and asks again at once: a classroom of 200 machines powered on
  // together briefly holds 400 transfers. A firmware that retries asks 2–3 times at once.
  tftpMaxTransfers: 512,
  tftpMaxTransfersPerAddress: 4,
  tftpMaxTimeoutSec: 5,
  tftpRetriesBeforeFirstAck: 2,
  httpMaxConnections: 512,
  // iPXE opens one connection per file; GRUB and UEFI HTTP boot a few in parallel.
  httpMaxConnectionsPerAddress: 16,
  httpHeadersTimeoutMs: 10_000,
  httpIdleTimeoutMs: 5_000,
  sendStallTimeoutMs: 60_000,
  nbdMaxConnections: 128,
  nbdMaxConnectionsPerAddress: 8,
  nbdMaxInflightBytes: 128 * MiB,
  nbdListExports: true,
  uploadMaxBytes: 32 * GiB,
  uploadReserveBytes: 1 * GiB,
});

export type LimitName = keyof ServerLimits;

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

/** The one check of a limit's value: whole, positive numbers (0 allowed only where it means "none"), or a boolean. */
export function checkLimit(name: string, value: unknown): string | undefined {
  if (!(LIMIT_NAMES as string[]).includes(name)) return `limits.${name} is not a known limit (known: ${LIMIT_NAMES.join(', ')})`;
  const def = DEFAULT_LIMITS[name as LimitName];
  if (typeof def === 'boolean') return typeof value === 'boolean' ? undefined : `limits.${name} must be true or false, not '${String(value)}'`;
  const min = name === 'uploadReserveBytes' ? 0 : 1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) return `limits.${name} must be a whole number ≥ ${min}, not '${String(value)}'`;
  return undefined;
}

/** Parses `NAME=VALUE` from the command line; sizes take K/M/G suffixes, times ms/s suffixes. */
export function parseLimitAssignment(text: string): { name: LimitName; value: number | boolean } | { error: string } {
  const eq = text.indexOf('=');
  if (eq < 1) return { error: `--limit takes NAME=VALUE, e.g. httpMaxConnectionsPerAddress=32, not '${text}'` };
  const name = text.slice(0, eq);
  const raw = text.slice(eq + 1).trim();
  let value: number | boolean;
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else {
    const m = /^(\d+)\s*(k|m|g|ki?b|mi?b|gi?b|ms|s)?$/i.exec(raw);
    if (!m) return { error: `--limit ${name}: '${raw}' is not a number (sizes take K, M, G; times ms or s)` };
    const unit = (m[2] ?? '').toLowerCase();
    const fits = unit === '' || (name.endsWith('Ms') ? unit === 'ms' || unit === 's' : name.endsWith('Bytes') && unit !== 'ms' && unit !== 's');
    if (!fits) return { error: `--limit ${name}: the unit '${m[2]}' does not fit (${name.endsWith('Ms') ? 'a time: ms or s' : name.endsWith('Bytes') ? 'a size: K, M or G' : 'a plain number'})` };
    const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') && unit !== 'ms' ? MiB : unit.startsWith('g') ? GiB : unit === 's' ? 1000 : 1;
    value = Number(m[1]) * mult;
  }
  const problem = checkLimit(name, value);
  return problem ? { error: problem.replace(/^limits\./, '--limit ') } : { name: name as LimitName, value };
}

export function resolveLimits(overrides: Partial<ServerLimits> | undefined): ServerLimits {
  return { ...DEFAULT_LIMITS, ...(overrides ?? {}) };
}
