import { decodeCs0 } from './cs0.ts';
import { parseTag, TAG_SIZE, TagId } from './tag.ts';
import { parseTimestamp } from './timestamp.ts';
import { UdfFormatError } from './udf-format-error.ts';
import { parseLongAd } from './volume-descriptors.ts';

/**
 * File entries (ECMA-167 4/14.9), extended file entries (4/14.17), their allocation descriptors
 * (4/14.14) and the file identifier descriptors that make up a directory (4/14.4). Pure.
 */

export const FileType = { directory: 4, file: 5, symlink: 12, metadata: 250, metadataMirror: 251 } as const;

/** Extent types in the top two bits of an allocation descriptor's length (4/14.14.1.1). */
export const ExtentType = { recorded: 0, allocated: 1, unallocated: 2, continuation: 3 } as const;

export interface AllocationExtent {
  /** Bytes (the last extent of a file may end mid-block). */
  length: number;
  type: number;
  block: number;
  /** Partition reference: long_ad carries one; short_ad means the entry's own partition. */
  partition?: number;
}

export interface FileEntry {
  extended: boolean;
  strategy: number;
  fileType: number;
  /** ICB flags bits 0–2: 0 short_ad, 1 long_ad, 2 ext_ad, 3 data embedded in the entry. */
  adType: number;
  infoLength: number;
  linkCount: number;
  mtime?: Date;
  permissions: number;
  /** Allocation descriptors as recorded (continuations are followed by the caller). */
  extents: AllocationExtent[];
  /** Byte offset (within the entry's block) of embedded data, when adType is 3. */
  embeddedAt?: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(v: DataView, at: number, what: string): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(MAX_SAFE)) throw new UdfFormatError(`${what} of ${n} bytes is absurd`, at);
  return Number(n);
}

/** `block` is one logical block holding the entry; `location` its block number in its partition. */
export function parseFileEntry(block: Uint8Array, location: number, what: string): FileEntry {
  const tag = parseTag(block, { id: [TagId.fileEntry, TagId.extendedFileEntry], location, what });
  const extended = tag.id === TagId.extendedFileEntry;
  const v = view(block);
  const strategy = v.getUint16(16 + 4, true);
  const fileType = block[16 + 11]!;
  const adType = v.getUint16(16 + 18, true) & 7;
  const infoLength = u64(v, 56, `${what}: information length`);
  const head = extended ? 216 : 176;
  const eaLength = v.getUint32(head - 8, true);
  const adLength = v.getUint32(head - 4, true);
  if (head + eaLength + adLength > block.byteLength) {
    throw new UdfFormatError(`${what}: extended attributes (${eaLength} bytes) and allocation descriptors (${adLength} bytes) overflow the ${block.byteLength}-byte block`, head - 8);
  }
  const mtime = parseTimestamp(v, extended ? 92 : 84);
  const entry: FileEntry = {
    extended,
    strategy,
    fileType,
    adType,
    infoLength,
    linkCount: v.getUint16(48, true),
    permissions: v.getUint32(44, true),
    extents: [],
    ...(mtime ? { mtime } : {}),
  };
  const adStart = head + eaLength;
  if (adType === 3) {
    if (infoLength > adLength) throw new UdfFormatError(`${what}: embedded data of ${infoLength} bytes in a ${adLength}-byte area`, head - 4);
    entry.embeddedAt = adStart;
    return entry;
  }
  entry.extents = parseAllocationDescriptors(block.subarray(adStart, adStart + adLength), adType, what);
  return entry;
}

/** A run of short_ad (8 bytes) or long_ad (16 bytes); a zero length ends the list (4/12). */
export function parseAllocationDescriptors(bytes: Uint8Array, adType: number, what: string): AllocationExtent[] {
  const size = adType === 0 ? 8 : adType === 1 ? 16 : 0;
  if (size === 0) throw new UdfFormatError(`${what}: allocation descriptor type ${adType} is not supported (extended_ad is not used by UDF)`, 0, 'unsupported');
  const v = view(bytes);
  const out: AllocationExtent[] = [];
  for (let at = 0; at + size <= bytes.byteLength; at += size) {
    if (size === 16) {
      const ad = parseLongAd(v, at);
      if (ad.length === 0) break;
      out.push({ length: ad.length, type: ad.type, block: ad.block, partition: ad.partition });
    } else {
      const raw = v.getUint32(at, true);
      if ((raw & 0x3fffffff) === 0) break;
      out.push({ length: raw & 0x3fffffff, type: raw >>> 30, block: v.getUint32(at + 4, true) });
    }
  }
  return out;
}

/** An allocation extent descriptor (4/14.5): the descriptors continued in another block. */
export function parseAllocationExtentDescriptor(block: Uint8Array, location: number, adType: number, what: string): AllocationExtent[] {
  parseTag(block, { id: TagId.allocationExtent, location, what });
  const len = view(block).getUint32(20, true);
  if (24 + len > block.byteLength) throw new UdfFormatError(`${what}: ${len} bytes of allocation descriptors in a ${block.byteLength}-byte block`, 20);
  return parseAllocationDescriptors(block.subarray(24, 24 + len), adType, what);
}

export interface FileIdentifier {
  name: string;
  directory: boolean;
  parent: boolean;
  deleted: boolean;
  hidden: boolean;
  icb: { block: number; partition: number; length: number };
}

/** Characteristics bits (4/14.4.3). */
const HIDDEN = 1, DIRECTORY = 2, DELETED = 4, PARENT = 8;

/**
 * Decodes the file identifier descriptors of a directory's bytes. Tag locations are not checked:
 * they name the block in which each descriptor starts, which only the caller knows.
 */
export function parseFileIdentifiers(bytes: Uint8Array, what: string): FileIdentifier[] {
  const v = view(bytes);
  const out: FileIdentifier[] = [];
  let at = 0;
  while (at + 38 <= bytes.byteLength) {
    // Padding to the end of a block may be zero-filled by some writers.
    if (v.getUint16(at, true) === 0 && bytes[at + 4] === 0) break;
    const lengthFi = bytes[at + 19]!;
    const lengthIu = v.getUint16(at + 36, true);
    const total = (38 + lengthIu + lengthFi + 3) & ~3;
    if (at + total > bytes.byteLength) throw new UdfFormatError(`${what}: file identifier at byte ${at} runs past the directory's end`, at);
    const tagCrcLen = v.getUint16(at + 10, true);
    if (tagCrcLen > total - TAG_SIZE) throw new UdfFormatError(`${what}: file identifier at byte ${at} claims a ${tagCrcLen}-byte CRC area`, at);
    parseTag(bytes.subarray(at, at + total), { id: TagId.fileIdentifier, what: `${what}: file identifier at byte ${at}` });
    const c = bytes[at + 18]!;
    const icb = parseLongAd(v, at + 20);
    const nameBytes = bytes.subarray(at + 38 + lengthIu, at + 38 + lengthIu + lengthFi);
    out.push({
      name: (c & PARENT) !== 0 ? '..' : decodeCs0(nameBytes),
      directory: (c & DIRECTORY) !== 0,
      parent: (c & PARENT) !== 0,
      deleted: (c & DELETED) !== 0,
      hidden: (c & HIDDEN) !== 0,
      icb: { block: icb.block, partition: icb.partition, length: icb.length },
    });
    at += total;
  }
  return out;
}

/** A symbolic link's data (4/14.16): path components, joined with '/'. */
export function parseSymlinkTarget(bytes: Uint8Array, what: string): string {
  const parts: string[] = [];
  let absolute = false;
  let at = 0;
  while (at + 4 <= bytes.byteLength) {
    const type = bytes[at]!;
    const len = bytes[at + 1]!;
    if (at + 4 + len > bytes.byteLength) throw new UdfFormatError(`${what}: symbolic link component at byte ${at} runs past the data`, at);
    if (type === 1 || type === 2) {
      absolute = true;
      parts.length = 0;
    } else if (type === 3) parts.push('..');
    else if (type === 4) parts.push('.');
    else if (type === 5) parts.push(decodeCs0(bytes.subarray(at + 4, at + 4 + len)));
    else throw new UdfFormatError(`${what}: symbolic link component of unknown type ${type}`, at);
    at += 4 + len;
  }
  return (absolute ? '/' : '') + parts.join('/');
}
