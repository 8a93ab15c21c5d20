/**
 * Edits UDF images in memory for the bad-input tests and the fuzzer, re-sealing each changed
 * descriptor (tag checksum and CRC) so the damage reaches the code behind the tag check.
 */
import { crcItu, tagChecksum } from '../../src-main/protocol/udf/tag.ts';

const BLOCK = 2048;

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Recomputes the CRC (over the length the tag states) and the checksum of the tag at `at`. */
export function reseal(b: Uint8Array, at: number): void {
  const v = dv(b);
  const crcLength = v.getUint16(at + 10, true);
  if (at + 16 + crcLength <= b.length) v.setUint16(at + 8, crcItu(b.subarray(at + 16, at + 16 + crcLength)), true);
  b[at + 4] = tagChecksum(b.subarray(at, at + 16));
}

function isTag(b: Uint8Array, at: number, id: number): boolean {
  return at + 16 <= b.length && dv(b).getUint16(at, true) === id && tagChecksum(b.subarray(at, at + 16)) === b[at + 4];
}

/** Sector where the (first) partition starts, from its partition descriptor. */
export function partitionStart(b: Uint8Array): number {
  for (let at = 16 * BLOCK; at + BLOCK <= b.length; at += BLOCK) if (isTag(b, at, 5)) return dv(b).getUint32(at + 188, true);
  throw new Error('no partition descriptor');
}

/** Byte offset of the file identifier descriptor named `name` (8- or 16-bit OSTA name). */
export function fidOffset(b: Uint8Array, name: string): number {
  for (let at = 0; at + 38 <= b.length; at += 4) {
    if (!isTag(b, at, 257)) continue;
    const lfi = b[at + 19]!;
    const liu = dv(b).getUint16(at + 36, true);
    const raw = b.subarray(at + 38 + liu, at + 38 + liu + lfi);
    const text = raw[0] === 16 ? String.fromCharCode(...Array.from({ length: (lfi - 1) / 2 }, (_, i) => (raw[1 + 2 * i]! << 8) | raw[2 + 2 * i]!)) : String.fromCharCode(...raw.subarray(1));
    if (text === name) return at;
  }
  throw new Error(`no file identifier named ${name}`);
}

/** Logical block (in its partition) of the file entry a file identifier points at. */
export function fidIcbBlock(b: Uint8Array, fid: number): number {
  return dv(b).getUint32(fid + 24, true);
}

export function setFidIcbBlock(b: Uint8Array, fid: number, block: number): void {
  dv(b).setUint32(fid + 24, block, true);
  reseal(b, fid);
}

/** Byte offset of the file entry of the entry named `name`. */
export function fileEntryOffset(b: Uint8Array, name: string): number {
  return (partitionStart(b) + fidIcbBlock(b, fidOffset(b, name))) * BLOCK;
}

/** Offset of the first allocation descriptor of a file entry (FE or EFE). */
export function firstAdOffset(b: Uint8Array, fe: number): number {
  const extended = dv(b).getUint16(fe, true) === 266;
  const head = extended ? 216 : 176;
  return fe + head + dv(b).getUint32(fe + head - 8, true);
}
