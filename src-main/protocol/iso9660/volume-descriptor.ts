import { IsoFormatError, requireBytes } from './iso-format-error.ts';
import { aString, both16, both32, longDate, SECTOR_SIZE, u32le, ucs2String } from './fields.ts';
import { parseDirectoryRecord, type DirectoryRecord } from './directory-record.ts';

/** The volume descriptor set starts at sector 16 (ECMA-119 §6.2.1, the first 32 KiB are the system area). */
export const FIRST_DESCRIPTOR_SECTOR = 16;

/** Bounds the descriptor scan: real images carry 2–5 descriptors; a run of garbage must not be read forever. */
export const MAX_DESCRIPTORS = 64;

export interface PrimaryVolume {
  kind: 'primary' | 'joliet' | 'supplementary';
  sector: number;
  systemId: string;
  volumeId: string;
  /** Volume space size in logical blocks (§8.4.8). */
  volumeBlocks: number;
  blockSize: number;
  root: DirectoryRecord;
  volumeSetId: string;
  publisherId: string;
  preparerId: string;
  applicationId: string;
  created?: Date;
  modified?: Date;
  /** Joliet level 1–3 from the escape sequence, 0 for the primary descriptor. */
  jolietLevel: number;
}

export interface BootRecord {
  kind: 'boot';
  sector: number;
  bootSystemId: string;
  /** Sector of the El Torito boot catalog when bootSystemId is "EL TORITO SPECIFICATION". */
  catalogSector?: number;
}

export type VolumeDescriptor =
  | PrimaryVolume
  | BootRecord
  | { kind: 'partition' | 'terminator'; sector: number }
  | { kind: 'other'; sector: number; type: number };

const STANDARD_ID = [0x43, 0x44, 0x30, 0x30, 0x31]; // "CD001"

export function hasStandardId(b: Uint8Array): boolean {
  return b.byteLength >= 6 && STANDARD_ID.every((c, i) => b[i + 1] === c);
}

/**
 * Decodes one 2048-byte descriptor sector (§8). `sector` is its position in the image, kept
 * for error messages. Throws IsoFormatError 'not-iso' when the standard identifier is missing.
 */
export function parseVolumeDescriptor(b: Uint8Array, sector: number): VolumeDescriptor {
  const at = sector * SECTOR_SIZE;
  requireBytes(b, 0, SECTOR_SIZE, `volume descriptor at sector ${sector}`, at);
  if (!hasStandardId(b)) {
    throw new IsoFormatError('not-iso', `no ISO 9660 volume descriptor ("CD001") at sector ${sector}`, at);
  }
  const type = b[0]!;
  switch (type) {
    case 0: {
      const bootSystemId = aString(b, 7, 32);
      const rec: BootRecord = { kind: 'boot', sector, bootSystemId };
      // El Torito 1.0 §2.0: the boot record's bytes 0x47–0x4A hold the catalog's sector.
      if (bootSystemId === 'EL TORITO SPECIFICATION') rec.catalogSector = u32le(b, 0x47);
      return rec;
    }
    case 1:
    case 2:
      return parseVolume(b, sector, type);
    case 3:
      return { kind: 'partition', sector };
    case 255:
      return { kind: 'terminator', sector };
    default:
      return { kind: 'other', sector, type };
  }
}

/** Joliet announces itself with an ISO 2022 escape sequence in the SVD's escape field (§8.5.6). */
function jolietLevelOf(b: Uint8Array): number {
  if (b[88] !== 0x25 || b[89] !== 0x2f) return 0; // "%/"
  return { 0x40: 1, 0x43: 2, 0x45: 3 }[b[90]!] ?? 0; // '@' 'C' 'E'
}

function parseVolume(b: Uint8Array, sector: number, type: number): PrimaryVolume {
  const at = sector * SECTOR_SIZE;
  const jolietLevel = type === 2 ? jolietLevelOf(b) : 0;
  const str = jolietLevel ? ucs2String : aString;
  const blockSize = both16(b, 128);
  if (blockSize !== SECTOR_SIZE) {
    // Every CD/DVD image uses 2048; other sizes exist only on paper and would break the
    // sector arithmetic of El Torito, which is fixed at 2048.
    throw new IsoFormatError(
      blockSize === 0 ? 'bad-field' : 'unsupported',
      `logical block size ${blockSize} in the volume descriptor at sector ${sector}; only 2048 is supported`,
      at + 128,
    );
  }
  const root = parseDirectoryRecord(b.subarray(156, 190), 0, { joliet: jolietLevel > 0, imageOffset: at + 156 });
  if (!root.isDirectory) {
    throw new IsoFormatError('bad-field', `root directory record of the descriptor at sector ${sector} is not a directory`, at + 156);
  }
  return {
    kind: type === 1 ? 'primary' : jolietLevel ? 'joliet' : 'supplementary',
    sector,
    systemId: str(b, 8, 32),
    volumeId: str(b, 40, 32),
    volumeBlocks: both32(b, 80),
    blockSize,
    root,
    volumeSetId: str(b, 190, 128),
    publisherId: str(b, 318, 128),
    preparerId: str(b, 446, 128),
    applicationId: str(b, 574, 128),
    created: longDate(b, 813),
    modified: longDate(b, 830),
    jolietLevel,
  };
}

/**
 * ECMA-167 §2/3 volume recognition sequence identifiers that follow the ISO descriptors. NSR02 /
 * NSR03 mean a UDF file system is present (UDF 1.02 / 2.x).
 */
export type RecognitionId = 'BEA01' | 'NSR02' | 'NSR03' | 'TEA01' | 'BOOT2' | 'CDW02';

export function recognitionIdOf(b: Uint8Array): RecognitionId | null {
  if (b.byteLength < 6 || b[0] !== 0) return null;
  const id = String.fromCharCode(...b.subarray(1, 6));
  return (['BEA01', 'NSR02', 'NSR03', 'TEA01', 'BOOT2', 'CDW02'] as const).find((x) => x === id) ?? null;
}
