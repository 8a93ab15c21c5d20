import { decodeDstring, regidText } from './cs0.ts';
import { parseTag, TagId } from './tag.ts';
import { parseTimestamp } from './timestamp.ts';
import { UdfFormatError } from './udf-format-error.ts';

/**
 * The UDF volume structure (ECMA-167 part 3, UDF 2.2): anchor → volume descriptor sequence →
 * partitions and the logical volume whose partition maps say how a (partition reference,
 * logical block) pair becomes a sector. Pure: each function decodes one sector's bytes.
 */

/** UDF fixes the anchor at sector 256, and also at the last sector and 256 before it (2.2.3). */
export const ANCHOR_SECTOR = 256;

export interface ExtentAd {
  length: number;
  location: number;
}

/** lb_addr (ECMA-167 4/7.1) plus the extent length of a long_ad. */
export interface LongAd {
  length: number;
  /** Extent type from the top two bits of the length (0 recorded, 1 allocated, 2 neither, 3 continuation). */
  type: number;
  block: number;
  partition: number;
}

export interface Anchor {
  main: ExtentAd;
  reserve: ExtentAd;
}

export interface UdfPrimaryVolume {
  sequenceNumber: number;
  volumeId: string;
  volumeSetId: string;
  applicationId: string;
  recorded?: Date;
}

export interface UdfPartition {
  sequenceNumber: number;
  number: number;
  contents: string;
  accessType: number;
  start: number;
  length: number;
}

export type PartitionMap =
  | { type: 'physical'; partitionNumber: number }
  | { type: 'metadata'; partitionNumber: number; metadataFile: number; mirrorFile: number; duplicated: boolean }
  | { type: 'virtual' | 'sparable' | 'unknown'; partitionNumber: number; identifier: string };

export interface LogicalVolume {
  sequenceNumber: number;
  volumeId: string;
  blockSize: number;
  domain: string;
  /** UDF revision from the domain identifier's suffix ("2.50"), '' when absent. */
  udfRevision: string;
  fileSet: LongAd;
  maps: PartitionMap[];
}

export interface FileSet {
  volumeId: string;
  fileSetId: string;
  root: LongAd;
  recorded?: Date;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function parseLongAd(v: DataView, at: number): LongAd {
  const raw = v.getUint32(at, true);
  return { length: raw & 0x3fffffff, type: raw >>> 30, block: v.getUint32(at + 4, true), partition: v.getUint16(at + 8, true) };
}

export function parseAnchor(sector: Uint8Array, location: number): Anchor {
  parseTag(sector, { id: TagId.anchor, location, what: `anchor volume descriptor pointer at sector ${location}` });
  const v = view(sector);
  return { main: { length: v.getUint32(16, true), location: v.getUint32(20, true) }, reserve: { length: v.getUint32(24, true), location: v.getUint32(28, true) } };
}

export function parsePrimaryVolume(sector: Uint8Array): UdfPrimaryVolume {
  const v = view(sector);
  const recorded = parseTimestamp(v, 376);
  return {
    sequenceNumber: v.getUint32(16, true),
    volumeId: decodeDstring(sector.subarray(24, 56)),
    volumeSetId: decodeDstring(sector.subarray(72, 200)),
    applicationId: regidText(sector.subarray(344, 376)),
    ...(recorded ? { recorded } : {}),
  };
}

export function parsePartition(sector: Uint8Array): UdfPartition {
  const v = view(sector);
  return {
    sequenceNumber: v.getUint32(16, true),
    number: v.getUint16(22, true),
    contents: regidText(sector.subarray(24, 56)),
    accessType: v.getUint32(184, true),
    start: v.getUint32(188, true),
    length: v.getUint32(192, true),
  };
}

/** At most this many partition maps; real volumes have one or two. */
export const MAX_PARTITION_MAPS = 16;

export function parseLogicalVolume(sector: Uint8Array): LogicalVolume {
  const v = view(sector);
  const mapTableLength = v.getUint32(264, true);
  const count = v.getUint32(268, true);
  if (count > MAX_PARTITION_MAPS) throw new UdfFormatError(`logical volume claims ${count} partition maps (at most ${MAX_PARTITION_MAPS} are read)`, 268);
  if (440 + mapTableLength > sector.byteLength) throw new UdfFormatError(`partition map table of ${mapTableLength} bytes does not fit in its sector`, 264);
  const maps: PartitionMap[] = [];
  let at = 440;
  const end = 440 + mapTableLength;
  for (let i = 0; i < count; i++) {
    if (at + 2 > end) throw new UdfFormatError(`partition map ${i} lies beyond the map table`, at);
    const type = sector[at]!;
    const len = sector[at + 1]!;
    if (len < 6 || at + len > end) throw new UdfFormatError(`partition map ${i} has length ${len}`, at + 1);
    if (type === 1) {
      maps.push({ type: 'physical', partitionNumber: v.getUint16(at + 4, true) });
    } else if (type === 2 && len >= 64) {
      const identifier = regidText(sector.subarray(at + 4, at + 36));
      const partitionNumber = v.getUint16(at + 38, true);
      if (identifier === '*UDF Metadata Partition') {
        maps.push({ type: 'metadata', partitionNumber, metadataFile: v.getUint32(at + 40, true), mirrorFile: v.getUint32(at + 44, true), duplicated: (sector[at + 58]! & 1) === 1 });
      } else {
        const kind = identifier === '*UDF Virtual Partition' ? 'virtual' : identifier === '*UDF Sparable Partition' ? 'sparable' : 'unknown';
        maps.push({ type: kind, partitionNumber, identifier });
      }
    } else {
      throw new UdfFormatError(`partition map ${i} has unknown type ${type}`, at);
    }
    at += len;
  }
  return {
    sequenceNumber: v.getUint32(16, true),
    volumeId: decodeDstring(sector.subarray(84, 212)),
    blockSize: v.getUint32(212, true),
    domain: regidText(sector.subarray(216, 248)),
    udfRevision: revisionText(v.getUint16(240, true)),
    fileSet: parseLongAd(v, 248),
    maps,
  };
}

export function parseFileSet(block: Uint8Array, location: number): FileSet {
  parseTag(block, { id: TagId.fileSet, location, what: `file set descriptor at block ${location}` });
  const v = view(block);
  const recorded = parseTimestamp(v, 16);
  return {
    volumeId: decodeDstring(block.subarray(112, 240)),
    fileSetId: decodeDstring(block.subarray(304, 336)),
    root: parseLongAd(v, 400),
    ...(recorded ? { recorded } : {}),
  };
}

/** 0x0250 → "2.50" (UDF 2.1.5.3: the revision is BCD in the identifier suffix). */
export function revisionText(bcd: number): string {
  return bcd === 0 ? '' : `${(bcd >> 8).toString(16)}.${(bcd & 0xff).toString(16).padStart(2, '0')}`;
}
