import { IsoFormatError, requireBytes } from './iso-format-error.ts';
import { aString, both32, SECTOR_SIZE, shortDate, ucs2String } from './fields.ts';

/** ECMA-119 §9.1.6 file flags. */
export const FLAG_HIDDEN = 0x01;
export const FLAG_DIRECTORY = 0x02;
export const FLAG_ASSOCIATED = 0x04;
/** §9.1.6 bit 7: "this is not the final directory record for the file" (multi-extent, level 3). */
export const FLAG_MULTI_EXTENT = 0x80;

/** Fixed part of a directory record before the identifier (§9.1). */
export const RECORD_HEADER = 33;

export interface DirectoryRecord {
  /** Where the record starts inside the bytes it was decoded from. */
  at: number;
  /** Record length in bytes (byte 0). */
  length: number;
  extentSector: number;
  dataLength: number;
  recorded?: Date;
  flags: number;
  isDirectory: boolean;
  /** '.' and '..' are the one-byte identifiers 0x00 and 0x01 (§6.8.2.2). */
  special: 'self' | 'parent' | null;
  /** Decoded identifier: version (";1") and a lone trailing dot removed; Joliet decoded from UCS-2. */
  name: string;
  /** Raw system use area (SUSP / Rock Ridge), a view into the input. */
  systemUse: Uint8Array;
  /** Files interleaved in units (§6.4.3) are not contiguous; rare, reported, not read. */
  interleaved: boolean;
}

export interface RecordOptions {
  joliet: boolean;
  /** Where `bytes[0]` sits in the image, for error offsets. */
  imageOffset?: number;
}

/** "NAME.EXT;1" → "NAME.EXT", "NAME.;1" → "NAME" (§7.5.1: the dot is mandatory, the version optional). */
export function stripVersion(name: string): string {
  const semi = name.lastIndexOf(';');
  let n = semi >= 0 ? name.slice(0, semi) : name;
  if (n.endsWith('.') && n.length > 1) n = n.slice(0, -1);
  return n;
}

/** Decodes the directory record starting at `at`. The caller handles the zero-length padding byte. */
export function parseDirectoryRecord(bytes: Uint8Array, at: number, opts: RecordOptions): DirectoryRecord {
  const where = (opts.imageOffset ?? 0) + at;
  requireBytes(bytes, at, RECORD_HEADER + 1, 'directory record', where);
  const length = bytes[at]!;
  const nameLength = bytes[at + 32]!;
  if (length < RECORD_HEADER + 1 || RECORD_HEADER + nameLength > length) {
    throw new IsoFormatError(
      'bad-field',
      `directory record length ${length} cannot hold its ${nameLength}-byte name (minimum ${RECORD_HEADER + Math.max(1, nameLength)})`,
      where,
    );
  }
  requireBytes(bytes, at, length, 'directory record', where);
  if (bytes[at + 1] !== 0) {
    // Extended attribute records (§9.5) precede the data inside the extent; nobody writes them
    // for boot media and supporting them would shift every read. Say so rather than misread.
    throw new IsoFormatError('unsupported', `directory record has an extended attribute record (${bytes[at + 1]} blocks)`, where);
  }
  const flags = bytes[at + 25]!;
  const nameBytes = bytes.subarray(at + RECORD_HEADER, at + RECORD_HEADER + nameLength);
  let special: DirectoryRecord['special'] = null;
  let name: string;
  if (nameLength === 1 && nameBytes[0]! <= 1) {
    special = nameBytes[0] === 0 ? 'self' : 'parent';
    name = special === 'self' ? '.' : '..';
  } else {
    name = stripVersion(opts.joliet ? ucs2String(nameBytes, 0, nameLength) : aString(nameBytes, 0, nameLength));
  }
  // §9.1.12: a padding byte follows an even-length identifier so the system use area is aligned.
  const suStart = RECORD_HEADER + nameLength + (nameLength % 2 === 0 ? 1 : 0);
  return {
    at,
    length,
    extentSector: both32(bytes, at + 2),
    dataLength: both32(bytes, at + 10),
    recorded: shortDate(bytes, at + 18),
    flags,
    isDirectory: (flags & FLAG_DIRECTORY) !== 0,
    special,
    name,
    systemUse: bytes.subarray(at + Math.min(suStart, length), at + length),
    interleaved: bytes[at + 26] !== 0 || bytes[at + 27] !== 0,
  };
}

/**
 * Every record of a directory extent, in order. Records never straddle a sector (§6.8.1.1):
 * a zero length byte means "rest of this sector is padding, continue at the next one".
 * The walk advances at least one byte per step, so it ends within bytes.byteLength steps.
 */
export function parseDirectoryExtent(bytes: Uint8Array, opts: RecordOptions): DirectoryRecord[] {
  const records: DirectoryRecord[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    const length = bytes[at]!;
    if (length === 0) {
      at = (Math.floor(at / SECTOR_SIZE) + 1) * SECTOR_SIZE;
      continue;
    }
    const sectorEnd = (Math.floor(at / SECTOR_SIZE) + 1) * SECTOR_SIZE;
    if (at + length > sectorEnd) {
      throw new IsoFormatError(
        'bad-field',
        `directory record of ${length} bytes crosses the end of its sector`,
        (opts.imageOffset ?? 0) + at,
      );
    }
    records.push(parseDirectoryRecord(bytes, at, opts));
    at += length;
  }
  return records;
}
