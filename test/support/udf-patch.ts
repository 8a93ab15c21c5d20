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

const META_ID = '*UDF Metadata Partition';

/**
 * Turns a UDF 2.01 image (one physical partition) into UDF 2.50 with a metadata partition, the
 * layout no Debian tool writes: a type 2 map over the physical partition, a metadata file
 * (file type 250, at the partition's second-to-last block, its mirror after it) whose one extent
 * maps metadata block n to physical block n + 1, and every ICB reference (root in the file set
 * descriptor, the file set in the logical volume, each file identifier) and descriptor location
 * renumbered into the metadata partition. The shift makes a reader that skips the mapping fail. File data keeps
 * its long_ads into the physical partition, as UDF 2.50 writers do.
 */
export function toMetadataPartition(b: Uint8Array): void {
  const v = dv(b);
  let partLength = 0;
  for (let at = 16 * BLOCK; at + BLOCK <= b.length; at += BLOCK) if (isTag(b, at, 5)) partLength = v.getUint32(at + 192, true);
  const start = partitionStart(b);
  const metaBlock = partLength - 2;
  for (let at = 16 * BLOCK; at + BLOCK <= b.length; at += BLOCK) {
    if (isTag(b, at, 6)) {
      v.setUint16(at + 216 + 24, 0x0250, true);
      v.setUint32(at + 252, v.getUint32(at + 252, true) - 1, true);
      v.setUint16(at + 256, 1, true); // file set descriptor: in the metadata partition
      const maps = at + 440;
      b.fill(0, maps, maps + 70);
      b.set([1, 6], maps);
      v.setUint16(maps + 2, 1, true);
      v.setUint16(maps + 4, 0, true);
      const m = maps + 6;
      b.set([2, 64], m);
      b.set([...META_ID].map((c) => c.charCodeAt(0)), m + 5);
      v.setUint16(m + 4 + 24, 0x0250, true);
      v.setUint16(m + 36, 1, true);
      v.setUint16(m + 38, 0, true);
      v.setUint32(m + 40, metaBlock, true);
      v.setUint32(m + 44, metaBlock + 1, true);
      v.setUint32(m + 48, 0xffffffff, true);
      v.setUint32(m + 52, 32, true);
      v.setUint16(m + 56, 1, true);
      v.setUint32(at + 264, 70, true);
      v.setUint32(at + 268, 2, true);
      v.setUint16(at + 10, 440 + 70 - 16, true);
      reseal(b, at);
    }
  }
  for (let at = start * BLOCK; at + BLOCK <= b.length; at += BLOCK) {
    if (isTag(b, at, 256)) {
      v.setUint32(at + 400 + 4, v.getUint32(at + 400 + 4, true) - 1, true);
      v.setUint16(at + 400 + 8, 1, true);
      v.setUint32(at + 12, v.getUint32(at + 12, true) - 1, true);
      reseal(b, at);
      break;
    }
  }
  for (let at = start * BLOCK; at + 38 <= b.length; at += 4) {
    if (isTag(b, at, 257)) {
      v.setUint32(at + 20 + 4, v.getUint32(at + 20 + 4, true) - 1, true);
      v.setUint16(at + 20 + 8, 1, true);
      v.setUint32(at + 12, v.getUint32(at + 12, true) - 1, true);
      reseal(b, at);
    }
  }
  // Directories written with embedded data hold their identifiers inside the entry's CRC.
  for (let at = start * BLOCK; at + BLOCK <= b.length; at += BLOCK) {
    if (isTag(b, at, 261) || isTag(b, at, 266)) {
      v.setUint32(at + 12, v.getUint32(at + 12, true) - 1, true);
      reseal(b, at);
    }
  }
  writeMetadataFile(b, start, metaBlock, partLength, 250);
  writeMetadataFile(b, start, metaBlock + 1, partLength, 251);
}

function writeMetadataFile(b: Uint8Array, start: number, metaBlock: number, partLength: number, fileType: number): void {
  const v = dv(b);
  const fe = (start + metaBlock) * BLOCK;
  b.fill(0, fe, fe + BLOCK);
  v.setUint16(fe, 261, true);
  v.setUint16(fe + 2, 3, true);
  v.setUint32(fe + 12, metaBlock, true);
  v.setUint16(fe + 16 + 4, 4, true); // strategy 4
  v.setUint16(fe + 16 + 8, 1, true);
  b[fe + 16 + 11] = fileType; // 250 metadata file, 251 its mirror
  v.setUint16(fe + 16 + 18, 0, true); // short_ad
  v.setUint16(fe + 48, 1, true);
  v.setBigUint64(fe + 56, BigInt((partLength - 1) * BLOCK), true);
  v.setBigUint64(fe + 64, BigInt(partLength - 1), true);
  v.setUint32(fe + 172, 8, true);
  v.setUint32(fe + 176, (partLength - 1) * BLOCK, true);
  v.setUint32(fe + 180, 1, true);
  v.setUint16(fe + 10, 176 + 8 - 16, true);
  reseal(b, fe);
}

/** Byte offset of the metadata file entry toMetadataPartition wrote (its mirror follows). */
export function metadataFileOffset(b: Uint8Array): number {
  for (let at = partitionStart(b) * BLOCK; at + BLOCK <= b.length; at += BLOCK) if (isTag(b, at, 261) && b[at + 27] === 250) return at;
  throw new Error('no metadata file entry');
}
