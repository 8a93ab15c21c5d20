import { UdfFormatError } from './udf-format-error.ts';

/**
 * OSTA Compressed Unicode (UDF 2.1.1): a compression id byte, then 8-bit (8, 254) or
 * big-endian 16-bit (16, 255) code units. 16-bit names may hold UTF-16 surrogate pairs.
 */
export function decodeCs0(bytes: Uint8Array): string {
  if (bytes.byteLength === 0) return '';
  const id = bytes[0]!;
  if (id === 8 || id === 254) {
    let s = '';
    for (let i = 1; i < bytes.byteLength; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  if (id === 16 || id === 255) {
    if ((bytes.byteLength - 1) % 2 !== 0) throw new UdfFormatError(`16-bit OSTA name has an odd length (${bytes.byteLength - 1} bytes)`);
    const units: number[] = [];
    for (let i = 1; i + 1 < bytes.byteLength; i += 2) units.push((bytes[i]! << 8) | bytes[i + 1]!);
    return String.fromCharCode(...units);
  }
  throw new UdfFormatError(`unknown OSTA compression id ${id} in a name`);
}

/** A dstring (ECMA-167 1/7.2.12): fixed field whose last byte says how many bytes are used. */
export function decodeDstring(field: Uint8Array): string {
  if (field.byteLength === 0) return '';
  const used = field[field.byteLength - 1]!;
  if (used === 0) return '';
  if (used > field.byteLength - 1) throw new UdfFormatError(`dstring claims ${used} bytes in a ${field.byteLength}-byte field`);
  return decodeCs0(field.subarray(0, used)).replace(/\0+$/, '');
}

/** Identifier text of a regid (ECMA-167 1/7.4): 23 bytes after the flags, NUL padded. */
export function regidText(field: Uint8Array): string {
  let s = '';
  for (let i = 1; i < 24 && field[i]; i++) s += String.fromCharCode(field[i]!);
  return s;
}
