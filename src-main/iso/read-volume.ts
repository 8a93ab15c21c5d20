import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import { IsoFormatError } from '../protocol/iso9660/iso-format-error.ts';
import {
  FIRST_DESCRIPTOR_SECTOR,
  hasStandardId,
  MAX_DESCRIPTORS,
  parseVolumeDescriptor,
  recognitionIdOf,
  type BootRecord,
  type PrimaryVolume,
  type VolumeDescriptor,
} from '../protocol/iso9660/volume-descriptor.ts';
import type { ByteSource } from './byte-source.ts';
import { IsoError } from './iso-error.ts';
import { readExact } from './read-exact.ts';

export interface VolumeSet {
  primary?: PrimaryVolume;
  joliet?: PrimaryVolume;
  boot?: BootRecord;
  /** An ECMA-167 NSR descriptor says a UDF file system is present. */
  udf: boolean;
  descriptors: VolumeDescriptor[];
}

/** The recognition sequence follows the terminator within a few sectors (ECMA-167 2/8.3). */
const RECOGNITION_SCAN = 16;

/**
 * Reads the volume descriptor set (ECMA-119 §6.7) from sector 16 up to the terminator and the
 * UDF recognition sequence after it. Bounded by MAX_DESCRIPTORS whatever the bytes say.
 */
export async function readVolumeSet(source: ByteSource, file: string): Promise<VolumeSet> {
  const first = FIRST_DESCRIPTOR_SECTOR * SECTOR_SIZE;
  if (source.size < first + SECTOR_SIZE) {
    throw new IsoError(file, 'not-iso', `not an ISO 9660 image: only ${source.size} bytes, and volume descriptors start at byte ${first}`);
  }
  const span = Math.min(MAX_DESCRIPTORS + RECOGNITION_SCAN, Math.floor(source.size / SECTOR_SIZE) - FIRST_DESCRIPTOR_SECTOR);
  // One read covers the whole descriptor area (typically 3–6 sectors are used).
  const area = await readExact(source, file, first, span * SECTOR_SIZE, 'volume descriptor area');
  const sector = (i: number) => area.subarray(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE);

  const set: VolumeSet = { udf: false, descriptors: [] };
  let i = 0;
  for (; i < span && i < MAX_DESCRIPTORS; i++) {
    const b = sector(i);
    if (!hasStandardId(b)) break;
    let d: VolumeDescriptor;
    try {
      d = parseVolumeDescriptor(b, FIRST_DESCRIPTOR_SECTOR + i);
    } catch (err) {
      if (err instanceof IsoFormatError) {
        throw new IsoError(file, err.problem === 'unsupported' ? 'unsupported' : 'corrupt', err.message, err.offset, { cause: err });
      }
      throw err;
    }
    set.descriptors.push(d);
    if (d.kind === 'terminator') {
      i++;
      break;
    }
    if (d.kind === 'primary' && !set.primary) set.primary = d;
    else if (d.kind === 'joliet' && !set.joliet) set.joliet = d;
    else if (d.kind === 'boot' && !set.boot) set.boot = d;
  }
  for (let j = i; j < span && j < i + RECOGNITION_SCAN; j++) {
    const id = recognitionIdOf(sector(j));
    if (id === 'NSR02' || id === 'NSR03') set.udf = true;
    if (id === 'TEA01' || (id === null && !hasStandardId(sector(j)))) break;
  }
  if (!set.primary && !set.joliet) {
    // A UDF-only image (mkudffs, some authoring tools): IsoImage reads it through UDF.
    if (set.udf) return set;
    throw new IsoError(
      file,
      'not-iso',
      set.descriptors.length === 0
        ? `not an ISO 9660 image: no "CD001" volume descriptor at byte ${first}`
        : 'not a usable ISO 9660 image: it has no primary or Joliet volume descriptor',
    );
  }
  return set;
}
