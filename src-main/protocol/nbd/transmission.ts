import { NBD_REQUEST_MAGIC, NBD_REQUEST_SIZE, NBD_SIMPLE_REPLY_MAGIC, NBD_SIMPLE_REPLY_SIZE } from './constants.ts';
import { NbdProtocolError, expectLength } from './errors.ts';
import { view } from './integers.ts';

/*
 * Transmission phase (proto.md "Request message", "Simple reply message"). Only simple replies:
 * we never agree to NBD_OPT_STRUCTURED_REPLY, so clients must not expect chunks.
 */

export interface NbdRequest {
  /** Command flags (NBD_CMD_FLAG_*). */
  flags: number;
  /** Command type (NBD_CMD_*). */
  type: number;
  /** Opaque 64-bit value the reply echoes ("handle" in older texts). */
  cookie: bigint;
  /** 64-bit offset: bigint, because a client may send anything and we must answer EINVAL, not misread it. */
  offset: bigint;
  length: number;
}

export function encodeRequest(req: NbdRequest): Uint8Array {
  const out = new Uint8Array(NBD_REQUEST_SIZE);
  const dv = view(out);
  dv.setUint32(0, NBD_REQUEST_MAGIC);
  dv.setUint16(4, req.flags);
  dv.setUint16(6, req.type);
  dv.setBigUint64(8, req.cookie);
  dv.setBigUint64(16, req.offset);
  dv.setUint32(24, req.length);
  return out;
}

/** A wrong magic means framing is lost: the only safe answer is closing the connection. */
export function decodeRequest(bytes: Uint8Array): NbdRequest {
  expectLength(bytes, NBD_REQUEST_SIZE, 'NBD request');
  const dv = view(bytes);
  const magic = dv.getUint32(0);
  if (magic !== NBD_REQUEST_MAGIC) {
    throw new NbdProtocolError('magic', `NBD request magic is 0x${magic.toString(16)}, expected 0x${NBD_REQUEST_MAGIC.toString(16)}`);
  }
  return {
    flags: dv.getUint16(4),
    type: dv.getUint16(6),
    cookie: dv.getBigUint64(8),
    offset: dv.getBigUint64(16),
    length: dv.getUint32(24),
  };
}

export interface NbdSimpleReply {
  /** 0 or an NBD errno (NbdErrno). */
  error: number;
  cookie: bigint;
}

/** The 16-byte header; a successful READ's data follows it directly. */
export function encodeSimpleReply(reply: NbdSimpleReply): Uint8Array {
  return encodeSimpleReplyInto(new Uint8Array(NBD_SIMPLE_REPLY_SIZE), reply);
}

/** Writes the header into the first 16 bytes of `target` (a buffer that already holds the READ data after them). */
export function encodeSimpleReplyInto<T extends Uint8Array>(target: T, reply: NbdSimpleReply): T {
  if (target.byteLength < NBD_SIMPLE_REPLY_SIZE) {
    throw new NbdProtocolError('length', `NBD simple reply needs ${NBD_SIMPLE_REPLY_SIZE} bytes, target has ${target.byteLength}`, NBD_SIMPLE_REPLY_SIZE);
  }
  const dv = view(target);
  dv.setUint32(0, NBD_SIMPLE_REPLY_MAGIC);
  dv.setUint32(4, reply.error);
  dv.setBigUint64(8, reply.cookie);
  return target;
}

export function decodeSimpleReply(bytes: Uint8Array): NbdSimpleReply {
  expectLength(bytes, NBD_SIMPLE_REPLY_SIZE, 'NBD simple reply');
  const dv = view(bytes);
  const magic = dv.getUint32(0);
  if (magic !== NBD_SIMPLE_REPLY_MAGIC) {
    throw new NbdProtocolError('magic', `NBD reply magic is 0x${magic.toString(16)}, expected 0x${NBD_SIMPLE_REPLY_MAGIC.toString(16)} (structured replies are not negotiated)`);
  }
  return { error: dv.getUint32(4), cookie: dv.getBigUint64(8) };
}
