import { NbdProtocolError } from './errors.ts';

/** All NBD integers are big-endian (network byte order); DataView defaults to that. */
export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A 64-bit size or offset as a JS number; NBD sizes beyond 2^53 are not something we can serve. */
export function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NbdProtocolError('range', `${what} ${value} exceeds 2^53-1`, Number.MAX_SAFE_INTEGER);
  }
  return Number(value);
}

export function checkSafeSize(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new NbdProtocolError('range', `${what} ${value} is not a non-negative safe integer`, Number.MAX_SAFE_INTEGER);
  }
}
