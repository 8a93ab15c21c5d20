/**
 * TFTP packets (RFC 1350) with option extension (RFC 2347 RRQ/WRQ options, OACK).
 * Pure: Uint8Array in, typed objects out, and back. Violations throw TftpPacketError (a
 * RangeError naming the offset and the limit) which servers catch, count and drop.
 */

export const TFTP_OPCODE = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 §5 error codes, plus 8 from RFC 2347 (option negotiation refused). */
export const TFTP_ERROR = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_REFUSED: 8,
} as const;

/** RFC 2348: the largest block a DATA packet may carry (65535 − IP/UDP/TFTP headers on a jumbo path). */
export const TFTP_MAX_BLKSIZE = 65464;
export const TFTP_MIN_BLKSIZE = 8;

export interface TftpOption {
  /** As sent; option names are compared case-insensitively (RFC 2347). */
  readonly name: string;
  readonly value: string;
}

export interface TftpRequest {
  readonly op: 'RRQ' | 'WRQ';
  readonly filename: string;
  readonly mode: string;
  readonly options: readonly TftpOption[];
}

export type TftpPacket =
  | TftpRequest
  | { readonly op: 'DATA'; readonly block: number; readonly data: Uint8Array }
  | { readonly op: 'ACK'; readonly block: number }
  | { readonly op: 'ERROR'; readonly code: number; readonly message: string }
  | { readonly op: 'OACK'; readonly options: readonly TftpOption[] };

export class TftpPacketError extends RangeError {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'TftpPacketError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export function decodeTftpPacket(bytes: Uint8Array): TftpPacket {
  if (bytes.byteLength < 2) throw new TftpPacketError(`TFTP packet of ${bytes.byteLength} bytes is shorter than its 2-byte opcode`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const opcode = view.getUint16(0);
  // Every packet but an (empty) OACK carries at least 4 bytes: opcode plus block, code or a string.
  if (bytes.byteLength < 4 && opcode !== TFTP_OPCODE.OACK) throw new TftpPacketError(`TFTP packet of ${bytes.byteLength} bytes is shorter than the 4-byte minimum for opcode ${opcode}`, 0);
  switch (opcode) {
    case TFTP_OPCODE.RRQ:
    case TFTP_OPCODE.WRQ: {
      const fields = readStrings(bytes, 2);
      if (fields.length < 2) throw new TftpPacketError(`request carries ${fields.length} of the 2 required strings (filename, mode)`, 2);
      const [filename, mode, ...rest] = fields as [string, string, ...string[]];
      if (filename.length === 0) throw new TftpPacketError('request has an empty filename', 2);
      if (mode.length === 0) throw new TftpPacketError('request has an empty transfer mode', 3 + filename.length);
      return { op: opcode === TFTP_OPCODE.RRQ ? 'RRQ' : 'WRQ', filename, mode, options: pairOptions(rest, 2) };
    }
    case TFTP_OPCODE.DATA: {
      const data = bytes.subarray(4);
      if (data.byteLength > TFTP_MAX_BLKSIZE) throw new TftpPacketError(`DATA carries ${data.byteLength} bytes; RFC 2348 allows at most ${TFTP_MAX_BLKSIZE}`, 4);
      return { op: 'DATA', block: view.getUint16(2), data };
    }
    case TFTP_OPCODE.ACK:
      if (bytes.byteLength !== 4) throw new TftpPacketError(`ACK is ${bytes.byteLength} bytes; it must be exactly 4`, 4);
      return { op: 'ACK', block: view.getUint16(2) };
    case TFTP_OPCODE.ERROR: {
      // Some stacks omit the final NUL of the message; accept that rather than lose the reason.
      const raw = bytes.subarray(4);
      const end = raw.indexOf(0);
      if (end >= 0 && raw.subarray(end).some((b) => b !== 0)) throw new TftpPacketError('ERROR has bytes after its message terminator', 4 + end);
      const message = decodeString(end >= 0 ? raw.subarray(0, end) : raw, 4);
      return { op: 'ERROR', code: view.getUint16(2), message };
    }
    case TFTP_OPCODE.OACK: {
      const fields = readStrings(bytes, 2);
      return { op: 'OACK', options: pairOptions(fields, 2) };
    }
    default:
      throw new TftpPacketError(`unknown TFTP opcode ${opcode}; valid opcodes are 1 to 6`, 0);
  }
}

/**
 * NUL-terminated strings from `start` to the end of the packet. Trailing NUL padding after the
 * last string is tolerated (some PXE ROMs pad requests); a final string without NUL is not.
 */
function readStrings(bytes: Uint8Array, start: number): string[] {
  const out: string[] = [];
  let offset = start;
  while (offset < bytes.byteLength) {
    const end = bytes.indexOf(0, offset);
    if (end < 0) throw new TftpPacketError('string is not NUL-terminated before the end of the packet', offset);
    if (end === offset && out.length >= 2 && bytes.subarray(offset).every((b) => b === 0)) break;
    out.push(decodeString(bytes.subarray(offset, end), offset));
    offset = end + 1;
  }
  return out;
}

function pairOptions(fields: readonly string[], offset: number): TftpOption[] {
  if (fields.length % 2 !== 0) throw new TftpPacketError(`option "${fields[fields.length - 1]}" has no value`, offset);
  const options: TftpOption[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name.length === 0) throw new TftpPacketError('option with an empty name', offset);
    options.push({ name, value: fields[i + 1]! });
  }
  return options;
}

function decodeString(bytes: Uint8Array, offset: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TftpPacketError('string is not valid UTF-8', offset);
  }
}

export function encodeTftpPacket(packet: TftpPacket): Uint8Array {
  switch (packet.op) {
    case 'RRQ':
    case 'WRQ': {
      const strings = [packet.filename, packet.mode, ...packet.options.flatMap((o) => [o.name, o.value])];
      if (packet.filename.length === 0) throw new TftpPacketError('cannot encode a request with an empty filename', 2);
      return withStrings(packet.op === 'RRQ' ? TFTP_OPCODE.RRQ : TFTP_OPCODE.WRQ, strings);
    }
    case 'OACK':
      return withStrings(TFTP_OPCODE.OACK, packet.options.flatMap((o) => [o.name, o.value]));
    case 'DATA': {
      if (packet.data.byteLength > TFTP_MAX_BLKSIZE) throw new TftpPacketError(`DATA of ${packet.data.byteLength} bytes exceeds the RFC 2348 limit of ${TFTP_MAX_BLKSIZE}`, 4);
      const out = new Uint8Array(4 + packet.data.byteLength);
      out.set(encodeDataHeader(packet.block));
      out.set(packet.data, 4);
      return out;
    }
    case 'ACK': {
      const out = new Uint8Array(4);
      const view = new DataView(out.buffer);
      view.setUint16(0, TFTP_OPCODE.ACK);
      view.setUint16(2, checkU16(packet.block, 'ACK block number'));
      return out;
    }
    case 'ERROR': {
      const message = encodeString(packet.message, 'ERROR message');
      const out = new Uint8Array(4 + message.byteLength + 1);
      const view = new DataView(out.buffer);
      view.setUint16(0, TFTP_OPCODE.ERROR);
      view.setUint16(2, checkU16(packet.code, 'ERROR code'));
      out.set(message, 4);
      return out;
    }
  }
}

/** The 4-byte DATA header alone, so a server can send header and payload as two iovecs without copying the payload. */
export function encodeDataHeader(block: number): Uint8Array {
  const out = new Uint8Array(4);
  const view = new DataView(out.buffer);
  view.setUint16(0, TFTP_OPCODE.DATA);
  view.setUint16(2, checkU16(block, 'DATA block number'));
  return out;
}

function withStrings(opcode: number, strings: readonly string[]): Uint8Array {
  const encoded = strings.map((s, i) => encodeString(s, `string ${i}`));
  const out = new Uint8Array(2 + encoded.reduce((n, e) => n + e.byteLength + 1, 0));
  new DataView(out.buffer).setUint16(0, opcode);
  let offset = 2;
  for (const e of encoded) {
    out.set(e, offset);
    offset += e.byteLength + 1;
  }
  return out;
}

function encodeString(s: string, what: string): Uint8Array {
  if (s.includes('\u0000')) throw new TftpPacketError(`${what} contains NUL, which would end it early on the wire`, 0);
  return utf8Encoder.encode(s);
}

function checkU16(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new TftpPacketError(`${what} ${n} is outside 0..65535`, 2);
  return n;
}
