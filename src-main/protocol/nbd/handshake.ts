import {
  NBD_CLIENT_FLAGS_SIZE,
  NBD_EXPORT_NAME_REPLY_SIZE,
  NBD_EXPORT_NAME_REPLY_ZEROES,
  NBD_INIT_MAGIC,
  NBD_KNOWN_CLIENT_FLAGS,
  NBD_MAX_OPTION_LENGTH,
  NBD_OPTION_HEADER_SIZE,
  NBD_OPTION_REPLY_HEADER_SIZE,
  NBD_OPTS_MAGIC,
  NBD_REP_MAGIC,
  NBD_SERVER_GREETING_SIZE,
} from './constants.ts';
import { NbdProtocolError, expectLength } from './errors.ts';
import { checkSafeSize, toSafeNumber, view } from './integers.ts';

/*
 * Fixed-newstyle negotiation (proto.md "Newstyle negotiation"):
 *   S: NBDMAGIC IHAVEOPT flags16        C: flags32
 *   C: IHAVEOPT option32 length32 data   S: REPMAGIC option32 type32 length32 data   (repeated)
 * Encoders exist for both directions so tests can play the client.
 */

const EMPTY = new Uint8Array(0);

/** Server greeting: NBDMAGIC, IHAVEOPT, 16-bit handshake flags. */
export function encodeServerGreeting(handshakeFlags: number): Uint8Array {
  const out = new Uint8Array(NBD_SERVER_GREETING_SIZE);
  const dv = view(out);
  dv.setBigUint64(0, NBD_INIT_MAGIC);
  dv.setBigUint64(8, NBD_OPTS_MAGIC);
  dv.setUint16(16, handshakeFlags);
  return out;
}

export function decodeServerGreeting(bytes: Uint8Array): { handshakeFlags: number } {
  expectLength(bytes, NBD_SERVER_GREETING_SIZE, 'NBD server greeting');
  const dv = view(bytes);
  if (dv.getBigUint64(0) !== NBD_INIT_MAGIC) throw new NbdProtocolError('magic', 'NBD server greeting does not start with NBDMAGIC');
  if (dv.getBigUint64(8) !== NBD_OPTS_MAGIC) {
    throw new NbdProtocolError('magic', 'NBD server greeting is not newstyle (IHAVEOPT missing); oldstyle servers are not supported');
  }
  return { handshakeFlags: dv.getUint16(16) };
}

export function encodeClientFlags(clientFlags: number): Uint8Array {
  const out = new Uint8Array(NBD_CLIENT_FLAGS_SIZE);
  view(out).setUint32(0, clientFlags >>> 0);
  return out;
}

/** The spec says a server MUST close the connection when a client sets a flag it does not know. */
export function decodeClientFlags(bytes: Uint8Array): number {
  expectLength(bytes, NBD_CLIENT_FLAGS_SIZE, 'NBD client flags');
  const flags = view(bytes).getUint32(0);
  const unknown = flags & ~NBD_KNOWN_CLIENT_FLAGS;
  if (unknown !== 0) {
    throw new NbdProtocolError('flags', `NBD client flags 0x${flags.toString(16)} set unknown bits 0x${(unknown >>> 0).toString(16)}`);
  }
  return flags;
}

export interface NbdOptionHeader {
  option: number;
  /** Length of the option data that follows the 16-byte header. */
  length: number;
}

/** A whole option request: header and data. */
export function encodeOption(option: number, data: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(NBD_OPTION_HEADER_SIZE + data.byteLength);
  const dv = view(out);
  dv.setBigUint64(0, NBD_OPTS_MAGIC);
  dv.setUint32(8, option);
  dv.setUint32(12, data.byteLength);
  out.set(data, NBD_OPTION_HEADER_SIZE);
  return out;
}

/**
 * Option header. A wrong magic means the client is not (or no longer) speaking NBD; a length
 * above `maxLength` is refused before the server reads (and buffers) that many bytes.
 */
export function decodeOptionHeader(bytes: Uint8Array, maxLength = NBD_MAX_OPTION_LENGTH): NbdOptionHeader {
  expectLength(bytes, NBD_OPTION_HEADER_SIZE, 'NBD option header');
  const dv = view(bytes);
  if (dv.getBigUint64(0) !== NBD_OPTS_MAGIC) throw new NbdProtocolError('magic', 'NBD option does not start with IHAVEOPT');
  const option = dv.getUint32(8);
  const length = dv.getUint32(12);
  if (length > maxLength) {
    throw new NbdProtocolError('too-big', `NBD option ${option} declares ${length} bytes of data; the limit is ${maxLength}`, maxLength);
  }
  return { option, length };
}

export interface NbdOptionReplyHeader {
  option: number;
  type: number;
  length: number;
}

export function encodeOptionReply(option: number, type: number, data: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(NBD_OPTION_REPLY_HEADER_SIZE + data.byteLength);
  const dv = view(out);
  dv.setBigUint64(0, NBD_REP_MAGIC);
  dv.setUint32(8, option);
  dv.setUint32(12, type >>> 0);
  dv.setUint32(16, data.byteLength);
  out.set(data, NBD_OPTION_REPLY_HEADER_SIZE);
  return out;
}

export function decodeOptionReplyHeader(bytes: Uint8Array): NbdOptionReplyHeader {
  expectLength(bytes, NBD_OPTION_REPLY_HEADER_SIZE, 'NBD option reply header');
  const dv = view(bytes);
  if (dv.getBigUint64(0) !== NBD_REP_MAGIC) throw new NbdProtocolError('magic', 'NBD option reply does not start with the reply magic');
  return { option: dv.getUint32(8), type: dv.getUint32(12), length: dv.getUint32(16) };
}

export interface NbdExportNameReply {
  size: number;
  transmissionFlags: number;
}

/**
 * The answer to NBD_OPT_EXPORT_NAME has no reply header: size, flags and (unless both sides
 * agreed on NO_ZEROES) 124 zero bytes left over from the oldstyle handshake.
 */
export function encodeExportNameReply(reply: NbdExportNameReply, noZeroes: boolean): Uint8Array {
  checkSafeSize(reply.size, 'NBD export size');
  const out = new Uint8Array(NBD_EXPORT_NAME_REPLY_SIZE + (noZeroes ? 0 : NBD_EXPORT_NAME_REPLY_ZEROES));
  const dv = view(out);
  dv.setBigUint64(0, BigInt(reply.size));
  dv.setUint16(8, reply.transmissionFlags);
  return out;
}

/** Decodes the first 10 bytes; the caller skips the zeroes it asked not to receive or not. */
export function decodeExportNameReply(bytes: Uint8Array): NbdExportNameReply {
  expectLength(bytes, NBD_EXPORT_NAME_REPLY_SIZE, 'NBD export-name reply');
  const dv = view(bytes);
  return { size: toSafeNumber(dv.getBigUint64(0), 'NBD export size'), transmissionFlags: dv.getUint16(8) };
}
