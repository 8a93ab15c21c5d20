import { UdfFormatError } from './udf-format-error.ts';

/**
 * ECMA-167 descriptor tags (3/7.2): every UDF structure starts with one. The tag checksum
 * covers the tag itself, the CRC the descriptor body; checking both is what keeps a reader from
 * trusting a random sector that happens to start with the right identifier.
 */
export const TagId = {
  primaryVolume: 1,
  anchor: 2,
  pointer: 3,
  implementationUse: 4,
  partition: 5,
  logicalVolume: 6,
  unallocatedSpace: 7,
  terminating: 8,
  integrity: 9,
  fileSet: 256,
  fileIdentifier: 257,
  allocationExtent: 258,
  indirectEntry: 259,
  terminalEntry: 260,
  fileEntry: 261,
  extendedFileEntry: 266,
} as const;

export const TAG_SIZE = 16;

export interface Tag {
  id: number;
  version: number;
  serial: number;
  crcLength: number;
  /** Logical block number the writer says this descriptor is recorded at. */
  location: number;
}

/** CRC-ITU-T (x^16 + x^12 + x^5 + 1, initial 0, no reflection), as ECMA-167 1/7.2.6 specifies. */
export function crcItu(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function tagChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < TAG_SIZE; i++) if (i !== 4) sum += bytes[i]!;
  return sum & 0xff;
}

/** True when `bytes` starts with a tag whose checksum is right (cheap probe, no CRC). */
export function looksLikeTag(bytes: Uint8Array, id?: number): boolean {
  if (bytes.byteLength < TAG_SIZE) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, TAG_SIZE);
  return tagChecksum(bytes) === bytes[4] && (id === undefined || v.getUint16(0, true) === id);
}

/**
 * Decodes and verifies the tag at the start of `bytes`: checksum, CRC over the body it claims,
 * and (when given) the identifier and recorded location.
 */
export function parseTag(bytes: Uint8Array, expect: { id?: number | readonly number[]; location?: number; what: string }): Tag {
  if (bytes.byteLength < TAG_SIZE) throw new UdfFormatError(`${expect.what}: ${bytes.byteLength} bytes, too short for a descriptor tag`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag: Tag = { id: v.getUint16(0, true), version: v.getUint16(2, true), serial: v.getUint16(6, true), crcLength: v.getUint16(10, true), location: v.getUint32(12, true) };
  if (tagChecksum(bytes) !== bytes[4]) throw new UdfFormatError(`${expect.what}: descriptor tag checksum is wrong (not a UDF descriptor)`);
  const ids = expect.id === undefined ? null : typeof expect.id === 'number' ? [expect.id] : expect.id;
  if (ids && !ids.includes(tag.id)) throw new UdfFormatError(`${expect.what}: found descriptor type ${tag.id}, expected ${ids.join(' or ')}`);
  if (TAG_SIZE + tag.crcLength > bytes.byteLength) {
    throw new UdfFormatError(`${expect.what}: descriptor CRC covers ${tag.crcLength} bytes, more than the ${bytes.byteLength - TAG_SIZE} there are`);
  }
  const crc = crcItu(bytes.subarray(TAG_SIZE, TAG_SIZE + tag.crcLength));
  if (crc !== v.getUint16(8, true)) throw new UdfFormatError(`${expect.what}: descriptor CRC is wrong (damaged sector)`);
  if (expect.location !== undefined && tag.location !== expect.location) {
    throw new UdfFormatError(`${expect.what}: descriptor says it is at block ${tag.location}, but was read from block ${expect.location}`);
  }
  return tag;
}
