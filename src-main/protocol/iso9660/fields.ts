/**
 * Field encodings of ECMA-119 §7 (ISO 9660): little/big/both-endian integers, a-/d-character
 * strings and the two date formats. Callers check lengths first (requireBytes); these only read.
 */

export const SECTOR_SIZE = 2048;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function u16le(b: Uint8Array, at: number): number {
  return view(b).getUint16(at, true);
}

export function u32le(b: Uint8Array, at: number): number {
  return view(b).getUint32(at, true);
}

export function u16be(b: Uint8Array, at: number): number {
  return view(b).getUint16(at, false);
}

/**
 * §7.3.3 both-byte-order 32-bit field. Only the little-endian half is read: some mastering
 * tools have written a wrong big-endian half, and every mainstream reader (Linux isofs,
 * libisofs) trusts the little-endian one.
 */
export function both32(b: Uint8Array, at: number): number {
  return u32le(b, at);
}

/** §7.2.3 both-byte-order 16-bit field (little-endian half, see both32). */
export function both16(b: Uint8Array, at: number): number {
  return u16le(b, at);
}

const latin1 = new TextDecoder('latin1');
const utf16be = new TextDecoder('utf-16be');
const utf8 = new TextDecoder('utf-8');

/** Identifier fields are padded with spaces (§7.4) or, from some writers, NULs. */
export function stripTrailing(s: string): string {
  return s.replace(/[\0 ]+$/, '');
}

/** a-/d-characters (§7.4), space padded. Read as Latin-1 so no byte is ever rejected. */
export function aString(b: Uint8Array, at: number, length: number): string {
  return stripTrailing(latin1.decode(b.subarray(at, at + length)));
}

/** Joliet (Microsoft, 1995) stores identifiers as UCS-2 big-endian; UTF-16BE decodes a superset. */
export function ucs2String(b: Uint8Array, at: number, length: number): string {
  return stripTrailing(utf16be.decode(b.subarray(at, at + (length & ~1))));
}

/** Rock Ridge names and link targets are bytes in the writer's locale; UTF-8 in practice. */
export function utf8String(b: Uint8Array): string {
  return utf8.decode(b);
}

/**
 * §9.1.5 recording date: 7 bytes (years since 1900, month, day, hour, minute, second, offset
 * from GMT in 15-minute steps, signed). All-zero means "not specified".
 */
export function shortDate(b: Uint8Array, at: number): Date | undefined {
  const year = b[at]!, month = b[at + 1]!, day = b[at + 2]!;
  if (month === 0 || day === 0) return undefined;
  const gmtOffset = ((b[at + 6]! << 24) >> 24) * 15;
  const ms = Date.UTC(1900 + year, month - 1, day, b[at + 3]!, b[at + 4]!, b[at + 5]!) - gmtOffset * 60_000;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * §8.4.26.1 volume descriptor date: 16 ASCII digits "YYYYMMDDHHMMSScc" plus a signed GMT
 * offset byte. "0000…" with offset 0 means "not specified".
 */
export function longDate(b: Uint8Array, at: number): Date | undefined {
  const digits = latin1.decode(b.subarray(at, at + 16));
  if (!/^\d{16}$/.test(digits) || digits.startsWith('0000')) return undefined;
  const n = (from: number, len: number) => Number(digits.slice(from, from + len));
  const gmtOffset = ((b[at + 16]! << 24) >> 24) * 15;
  const ms =
    Date.UTC(n(0, 4), n(4, 2) - 1, n(6, 2), n(8, 2), n(10, 2), n(12, 2), n(14, 2) * 10) - gmtOffset * 60_000;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
