/**
 * Every way NBD bytes can break the codec's rules. Servers map these to a reply
 * (NBD_REP_ERR_INVALID, NBD_REP_ERR_TOO_BIG) or to closing the connection when framing is lost.
 */
export type NbdViolation =
  /** A magic number is wrong: the peer is not speaking NBD (or framing is lost). */
  | 'magic'
  /** A buffer is shorter or longer than the message it should hold. */
  | 'length'
  /** A declared length exceeds this codec's limit (`limit` says which). */
  | 'too-big'
  /** Flag bits the protocol forbids or we do not know. */
  | 'flags'
  /** A string is not valid UTF-8. */
  | 'string'
  /** A value (size, offset) cannot be represented. */
  | 'range';

export class NbdProtocolError extends RangeError {
  override readonly name = 'NbdProtocolError';
  constructor(
    readonly violation: NbdViolation,
    message: string,
    /** The limit that was exceeded, when there is one. */
    readonly limit?: number,
  ) {
    super(message);
  }
}

export function expectLength(bytes: Uint8Array, expected: number, what: string): void {
  if (bytes.byteLength !== expected) {
    throw new NbdProtocolError('length', `${what}: expected ${expected} bytes, got ${bytes.byteLength}`, expected);
  }
}

export function expectAtLeast(bytes: Uint8Array, minimum: number, what: string): void {
  if (bytes.byteLength < minimum) {
    throw new NbdProtocolError('length', `${what}: expected at least ${minimum} bytes, got ${bytes.byteLength}`, minimum);
  }
}
