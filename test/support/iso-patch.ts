/**
 * Surgical edits of ISO images for bad-input tests: find a directory record by its ISO 9660
 * name and rewrite fields, the way a damaged or hostile image would look.
 */
import { parseDirectoryExtent, type DirectoryRecord } from '../../src-main/protocol/iso9660/directory-record.ts';

const SECTOR = 2048;
const PVD = 16 * SECTOR;

export interface Located {
  /** Byte offset of the record in the image. */
  at: number;
  record: DirectoryRecord;
}

export function writeBoth32(b: Uint8Array, at: number, value: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(at, value, true);
  v.setUint32(at + 4, value, false);
}

export function readLe32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
}

export function rootExtent(image: Uint8Array): { sector: number; length: number } {
  return { sector: readLe32(image, PVD + 156 + 2), length: readLe32(image, PVD + 156 + 10) };
}

/** Records of the primary (ISO 9660 / Rock Ridge) directory at `dir`. */
export function records(image: Uint8Array, dir: { sector: number; length: number }): Located[] {
  const at = dir.sector * SECTOR;
  return parseDirectoryExtent(image.subarray(at, at + dir.length), { joliet: false, imageOffset: at }).map((record) => ({ at: at + record.at, record }));
}

/** The record named `isoName` (e.g. "LEVEL1", "RANDOM.BIN", compared ignoring case) in `dir`. */
export function findRecord(image: Uint8Array, dir: { sector: number; length: number }, isoName: string): Located {
  const hit = records(image, dir).find((r) => r.record.name.toLowerCase() === isoName.toLowerCase());
  if (!hit) throw new Error(`no record ${isoName} in directory at sector ${dir.sector}`);
  return hit;
}

/** Sets a record's extent (both the record and, for directories, nothing else). */
export function setExtent(image: Uint8Array, rec: Located, sector: number, length?: number): void {
  writeBoth32(image, rec.at + 2, sector);
  if (length !== undefined) writeBoth32(image, rec.at + 10, length);
}

/** Byte offset of the first SUSP entry with `signature` in a record's system use area, or -1. */
export function findSuspEntry(rec: Located, signature: string): number {
  const su = rec.record.systemUse;
  const base = rec.at + (rec.record.length - su.byteLength);
  let at = 0;
  while (at + 4 <= su.byteLength) {
    const sig = String.fromCharCode(su[at]!, su[at + 1]!);
    if (sig === signature) return base + at;
    const len = su[at + 2]!;
    if (len < 4) break;
    at += len;
  }
  return -1;
}
