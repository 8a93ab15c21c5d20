/**
 * Numbers of the NBD protocol as written in the upstream specification
 * (nbd/doc/proto.md, "Fixed newstyle negotiation" and "Transmission phase").
 * Magic values above 2^53 are bigint so they round-trip exactly.
 */

/** "NBDMAGIC": first 8 bytes the server sends. */
export const NBD_INIT_MAGIC = 0x4e42444d41474943n;
/** "IHAVEOPT": newstyle marker after NBDMAGIC, and the prefix of every option request. */
export const NBD_OPTS_MAGIC = 0x49484156454f5054n;
/** Prefix of every option reply. */
export const NBD_REP_MAGIC = 0x0003e889045565a9n;
export const NBD_REQUEST_MAGIC = 0x25609513;
export const NBD_SIMPLE_REPLY_MAGIC = 0x67446698;

/** Handshake flags (16 bits, server → client). */
export const NBD_FLAG_FIXED_NEWSTYLE = 1 << 0;
export const NBD_FLAG_NO_ZEROES = 1 << 1;

/** Client flags (32 bits, client → server). A server MUST close on any other bit. */
export const NBD_FLAG_C_FIXED_NEWSTYLE = 1 << 0;
export const NBD_FLAG_C_NO_ZEROES = 1 << 1;
export const NBD_KNOWN_CLIENT_FLAGS = NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES;

/** Option types. */
export const NbdOpt = {
  EXPORT_NAME: 1,
  ABORT: 2,
  LIST: 3,
  PEEK_EXPORT: 4,
  STARTTLS: 5,
  INFO: 6,
  GO: 7,
  STRUCTURED_REPLY: 8,
  LIST_META_CONTEXT: 9,
  SET_META_CONTEXT: 10,
  EXTENDED_HEADERS: 11,
} as const;

/** Option reply types; errors have bit 31 set. */
export const NBD_REP_FLAG_ERROR = 0x8000_0000;
export const NbdRep = {
  ACK: 1,
  SERVER: 2,
  INFO: 3,
  META_CONTEXT: 4,
  ERR_UNSUP: NBD_REP_FLAG_ERROR + 1,
  ERR_POLICY: NBD_REP_FLAG_ERROR + 2,
  ERR_INVALID: NBD_REP_FLAG_ERROR + 3,
  ERR_PLATFORM: NBD_REP_FLAG_ERROR + 4,
  ERR_TLS_REQD: NBD_REP_FLAG_ERROR + 5,
  ERR_UNKNOWN: NBD_REP_FLAG_ERROR + 6,
  ERR_SHUTDOWN: NBD_REP_FLAG_ERROR + 7,
  ERR_BLOCK_SIZE_REQD: NBD_REP_FLAG_ERROR + 8,
  ERR_TOO_BIG: NBD_REP_FLAG_ERROR + 9,
} as const;

/** Information types inside NBD_REP_INFO replies (NBD_OPT_INFO / NBD_OPT_GO). */
export const NbdInfo = {
  EXPORT: 0,
  NAME: 1,
  DESCRIPTION: 2,
  BLOCK_SIZE: 3,
} as const;

/** Transmission flags (16 bits), sent with the export size. */
export const NbdTransmissionFlag = {
  HAS_FLAGS: 1 << 0,
  READ_ONLY: 1 << 1,
  SEND_FLUSH: 1 << 2,
  SEND_FUA: 1 << 3,
  ROTATIONAL: 1 << 4,
  SEND_TRIM: 1 << 5,
  SEND_WRITE_ZEROES: 1 << 6,
  SEND_DF: 1 << 7,
  CAN_MULTI_CONN: 1 << 8,
  SEND_RESIZE: 1 << 9,
  SEND_CACHE: 1 << 10,
  SEND_FAST_ZERO: 1 << 11,
} as const;

/** Command types. */
export const NbdCmd = {
  READ: 0,
  WRITE: 1,
  DISC: 2,
  FLUSH: 3,
  TRIM: 4,
  CACHE: 5,
  WRITE_ZEROES: 6,
  BLOCK_STATUS: 7,
  RESIZE: 8,
} as const;

/** Command flags (16 bits). */
export const NbdCmdFlag = {
  FUA: 1 << 0,
  NO_HOLE: 1 << 1,
  DF: 1 << 2,
  REQ_ONE: 1 << 3,
  FAST_ZERO: 1 << 4,
} as const;

/** Error values in simple replies: the spec fixes them to the Linux errno numbers. */
export const NbdErrno = {
  OK: 0,
  EPERM: 1,
  EIO: 5,
  ENOMEM: 12,
  EINVAL: 22,
  ENOSPC: 28,
  EOVERFLOW: 75,
  ENOTSUP: 95,
  ESHUTDOWN: 108,
} as const;

/** Sizes of the fixed-length messages. */
export const NBD_SERVER_GREETING_SIZE = 18;
export const NBD_CLIENT_FLAGS_SIZE = 4;
export const NBD_OPTION_HEADER_SIZE = 16;
export const NBD_OPTION_REPLY_HEADER_SIZE = 20;
export const NBD_REQUEST_SIZE = 28;
export const NBD_SIMPLE_REPLY_SIZE = 16;
/** Reply to NBD_OPT_EXPORT_NAME: size(8) + flags(2), then 124 zero bytes unless NO_ZEROES was agreed. */
export const NBD_EXPORT_NAME_REPLY_SIZE = 10;
export const NBD_EXPORT_NAME_REPLY_ZEROES = 124;

/** The spec lets servers refuse strings (export names, descriptions) longer than 4096 bytes. */
export const NBD_MAX_STRING_LENGTH = 4096;
/**
 * Largest option payload this codec accepts: an INFO/GO request with a maximal name and a
 * generous list of information requests fits; anything bigger is an attack or a bug.
 */
export const NBD_MAX_OPTION_LENGTH = 4 + NBD_MAX_STRING_LENGTH + 2 + 2 * 64 + 1024;
/** Largest READ this server answers; advertised as NBD_INFO_BLOCK_SIZE maximum (the spec's customary 32 MiB). */
export const NBD_MAX_PAYLOAD = 32 * 1024 * 1024;
