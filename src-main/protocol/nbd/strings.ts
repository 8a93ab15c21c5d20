import { NBD_MAX_STRING_LENGTH } from './constants.ts';
import { NbdProtocolError } from './errors.ts';

/** NBD strings are UTF-8 without terminator (proto.md "Notes on strings"). */
const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export function encodeNbdString(text: string, what: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.byteLength > NBD_MAX_STRING_LENGTH) {
    throw new NbdProtocolError('too-big', `${what} is ${bytes.byteLength} bytes of UTF-8; NBD strings are limited to ${NBD_MAX_STRING_LENGTH}`, NBD_MAX_STRING_LENGTH);
  }
  return bytes;
}

export function decodeNbdString(bytes: Uint8Array, what: string): string {
  if (bytes.byteLength > NBD_MAX_STRING_LENGTH) {
    throw new NbdProtocolError('too-big', `${what} is ${bytes.byteLength} bytes; NBD strings are limited to ${NBD_MAX_STRING_LENGTH}`, NBD_MAX_STRING_LENGTH);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new NbdProtocolError('string', `${what} is not valid UTF-8`);
  }
}
