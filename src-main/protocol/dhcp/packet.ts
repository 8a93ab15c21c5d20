import { DhcpCodecError } from './dhcp-codec-error.ts';
import { readIpv4, writeIpv4, isIpv4 } from './ipv4-address.ts';
import {
  BOOTP_HEADER_LENGTH, BOOTP_MIN_LENGTH, DHCP_DEFAULT_MAX_LENGTH, DhcpOption, MAGIC_COOKIE,
} from './option-codes.ts';
import { encodedOptionsLength, parseOptionArea, writeOptionAreas, type DhcpOptions } from './options-area.ts';

/**
 * A BOOTP/DHCP message (RFC 2131 §2, figure 1) as plain data. Addresses are dotted quads,
 * `chaddr` is the raw 16-byte field (the MAC is its first `hlen` bytes), `sname`/`file` are the
 * NUL-terminated strings of those fields (empty when they carried options instead).
 */
export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  chaddr: Uint8Array;
  sname: string;
  file: string;
  options: DhcpOptions;
}

const SNAME_OFFSET = 44;
const SNAME_LENGTH = 64;
const FILE_OFFSET = 108;
const FILE_LENGTH = 128;
const OPTIONS_OFFSET = BOOTP_HEADER_LENGTH + 4;

export function decodeDhcpPacket(bytes: Uint8Array): DhcpPacket {
  if (bytes.length < BOOTP_HEADER_LENGTH) {
    throw new DhcpCodecError(`truncated BOOTP header: ${bytes.length} bytes, need at least ${BOOTP_HEADER_LENGTH}`, bytes.length, 'header');
  }
  if (bytes.length < OPTIONS_OFFSET) {
    throw new DhcpCodecError(`no DHCP magic cookie: the message is ${bytes.length} bytes, a DHCP message needs at least ${OPTIONS_OFFSET}`, bytes.length, 'cookie');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const op = bytes[0]!;
  if (op !== 1 && op !== 2) throw new DhcpCodecError(`op ${op} is neither BOOTREQUEST (1) nor BOOTREPLY (2)`, 0, 'header');
  const hlen = bytes[2]!;
  if (hlen > 16) throw new DhcpCodecError(`hlen ${hlen} exceeds the 16-byte chaddr field`, 2, 'header');
  const cookie = view.getUint32(BOOTP_HEADER_LENGTH);
  if (cookie !== MAGIC_COOKIE) {
    throw new DhcpCodecError(`magic cookie 0x${cookie.toString(16).padStart(8, '0')} at offset ${BOOTP_HEADER_LENGTH} is not 0x63825363 (99.130.83.99): not a DHCP message`, BOOTP_HEADER_LENGTH, 'cookie');
  }
  const options: DhcpOptions = new Map();
  const overload = parseOptionArea(bytes, OPTIONS_OFFSET, bytes.length, 'options', options);
  // RFC 2131 §4.1: options field first, then file, then sname.
  if (overload & 1) parseOptionArea(bytes, FILE_OFFSET, FILE_OFFSET + FILE_LENGTH, 'file', options);
  if (overload & 2) parseOptionArea(bytes, SNAME_OFFSET, SNAME_OFFSET + SNAME_LENGTH, 'sname', options);
  return {
    op,
    htype: bytes[1]!,
    hlen,
    hops: bytes[3]!,
    xid: view.getUint32(4),
    secs: view.getUint16(8),
    flags: view.getUint16(10),
    ciaddr: readIpv4(bytes, 12),
    yiaddr: readIpv4(bytes, 16),
    siaddr: readIpv4(bytes, 20),
    giaddr: readIpv4(bytes, 24),
    chaddr: bytes.slice(28, 44),
    sname: overload & 2 ? '' : readCString(bytes, SNAME_OFFSET, SNAME_LENGTH),
    file: overload & 1 ? '' : readCString(bytes, FILE_OFFSET, FILE_LENGTH),
    options,
  };
}

/** Latin-1, so every byte round-trips; boot file names are ASCII in practice. */
function readCString(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function writeCString(out: Uint8Array, offset: number, length: number, text: string, field: string): void {
  // Leave room for the terminating NUL: firmware that reads the field with strcpy needs it.
  if (text.length > length - 1) throw new DhcpCodecError(`${field} "${text.slice(0, 40)}…" is ${text.length} characters; the field holds at most ${length - 1}`, offset, field);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || c === 0) throw new DhcpCodecError(`${field} contains character U+${c.toString(16)} which is not a non-NUL Latin-1 byte`, offset + i, field);
    out[offset + i] = c;
  }
}

export interface EncodeOptions {
  /**
   * Largest message the receiver accepts (option 57 of the request; RFC 2131 default 576).
   * Options beyond it spill into `file`/`sname` via option 52 when those are empty.
   */
  maxLength?: number;
  /** Pad to at least this many bytes; BOOTP relays and old ROMs drop shorter replies (RFC 1542 §3.3). */
  minLength?: number;
}

/**
 * Encodes a packet. Option 53 is written first (some PXE ROMs look for it there), the rest in
 * map order, then END; the result is zero-padded to `minLength` (default 300).
 */
export function encodeDhcpPacket(packet: DhcpPacket, opts: EncodeOptions = {}): Uint8Array {
  const maxLength = Math.max(opts.maxLength ?? DHCP_DEFAULT_MAX_LENGTH, DHCP_DEFAULT_MAX_LENGTH);
  const minLength = opts.minLength ?? BOOTP_MIN_LENGTH;
  const ordered: [number, Uint8Array][] = [];
  const type = packet.options.get(DhcpOption.MESSAGE_TYPE);
  if (type) ordered.push([DhcpOption.MESSAGE_TYPE, type]);
  for (const [code, value] of packet.options) {
    if (code === DhcpOption.MESSAGE_TYPE) continue;
    if (code === DhcpOption.OVERLOAD) continue; // the encoder decides overload itself
    ordered.push([code, value]);
  }
  const needed = OPTIONS_OFFSET + encodedOptionsLength(ordered);
  const out = new Uint8Array(Math.max(minLength, Math.min(needed, maxLength)));
  writeHeader(out, packet);
  if (needed <= maxLength) {
    writeOptionAreas(out, [{ start: OPTIONS_OFFSET, end: out.length }], ordered);
    return out;
  }
  const fileFree = packet.file === '';
  const snameFree = packet.sname === '';
  const tries: { overload: number; areas: { start: number; end: number }[] }[] = [];
  if (fileFree) tries.push({ overload: 1, areas: [{ start: OPTIONS_OFFSET, end: out.length }, { start: FILE_OFFSET, end: FILE_OFFSET + FILE_LENGTH }] });
  if (snameFree) tries.push({ overload: 2, areas: [{ start: OPTIONS_OFFSET, end: out.length }, { start: SNAME_OFFSET, end: SNAME_OFFSET + SNAME_LENGTH }] });
  if (fileFree && snameFree) {
    tries.push({ overload: 3, areas: [{ start: OPTIONS_OFFSET, end: out.length }, { start: FILE_OFFSET, end: FILE_OFFSET + FILE_LENGTH }, { start: SNAME_OFFSET, end: SNAME_OFFSET + SNAME_LENGTH }] });
  }
  for (const attempt of tries) {
    try {
      const overloadOption: [number, Uint8Array] = [DhcpOption.OVERLOAD, Uint8Array.of(attempt.overload)];
      const withOverload = ordered[0]?.[0] === DhcpOption.MESSAGE_TYPE
        ? [ordered[0], overloadOption, ...ordered.slice(1)]
        : [overloadOption, ...ordered];
      out.fill(0, OPTIONS_OFFSET);
      out.fill(0, SNAME_OFFSET, FILE_OFFSET + FILE_LENGTH);
      writeOptionAreas(out, attempt.areas, withOverload);
      return out;
    } catch (err) {
      if (!(err instanceof DhcpCodecError)) throw err;
    }
  }
  throw new DhcpCodecError(
    `options need ${needed} bytes but the receiver accepts ${maxLength}${fileFree || snameFree ? ' even with file/sname overloaded' : ' and file/sname are in use'}`,
    OPTIONS_OFFSET, 'options');
}

function writeHeader(out: Uint8Array, p: DhcpPacket): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const byteField = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new DhcpCodecError(`${name} ${v} is not a byte`, 0, 'header');
    return v;
  };
  out[0] = byteField('op', p.op);
  out[1] = byteField('htype', p.htype);
  out[2] = byteField('hlen', p.hlen);
  if (p.hlen > 16) throw new DhcpCodecError(`hlen ${p.hlen} exceeds the 16-byte chaddr field`, 2, 'header');
  out[3] = byteField('hops', p.hops);
  view.setUint32(4, p.xid >>> 0);
  view.setUint16(8, p.secs & 0xffff);
  view.setUint16(10, p.flags & 0xffff);
  for (const [offset, name] of [[12, 'ciaddr'], [16, 'yiaddr'], [20, 'siaddr'], [24, 'giaddr']] as const) {
    const value = p[name];
    if (!isIpv4(value)) throw new DhcpCodecError(`${name} "${value}" is not an IPv4 address`, offset, 'header');
    writeIpv4(out, offset, value);
  }
  if (p.chaddr.length > 16) throw new DhcpCodecError(`chaddr is ${p.chaddr.length} bytes; the field holds 16`, 28, 'header');
  out.set(p.chaddr, 28);
  writeCString(out, SNAME_OFFSET, SNAME_LENGTH, p.sname, 'sname');
  writeCString(out, FILE_OFFSET, FILE_LENGTH, p.file, 'file');
  view.setUint32(BOOTP_HEADER_LENGTH, MAGIC_COOKIE);
}

/** chaddr field bytes for a colon-separated MAC. */
export function chaddrOf(mac: string): Uint8Array {
  const hex = mac.replace(/[^0-9a-fA-F]/g, '');
  if (hex.length === 0 || hex.length % 2 || hex.length > 32) throw new RangeError(`"${mac}" is not a hardware address`);
  const out = new Uint8Array(16);
  for (let i = 0; i < hex.length / 2; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** An empty packet skeleton (all addresses 0.0.0.0, Ethernet, no options). */
export function emptyPacket(op: number): DhcpPacket {
  return {
    op, htype: 1, hlen: 6, hops: 0, xid: 0, secs: 0, flags: 0,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr: new Uint8Array(16), sname: '', file: '', options: new Map(),
  };
}
