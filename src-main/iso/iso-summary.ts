import type { HybridInfo } from '../protocol/iso9660/hybrid.ts';
import type { BootMedia, BootPlatform } from '../protocol/iso9660/el-torito.ts';
import type { BootFile } from './boot-relevant-files.ts';
import type { VolumeLabels } from './choose-file-system.ts';

/** What `bootcast iso info` shows and boot recipes start from. JSON-safe (dates as ISO strings). */
export interface IsoSummary extends Omit<VolumeLabels, 'created'> {
  path: string;
  /** Image file size in bytes. */
  size: number;
  created?: string;
  /** The file system whose tree is listed: UDF when the ISO 9660 side is a stub or absent. */
  fileSystem: 'iso9660' | 'udf';
  /** What the ISO 9660 side holds: the same files, a README stub, or nothing (UDF only). */
  isoSide: 'full' | 'stub' | 'none';
  /** UDF revision ("2.50") when UDF was read. */
  udfRevision?: string;
  /** Where the names shown come from. */
  names: 'rock-ridge' | 'joliet' | 'iso9660' | 'udf';
  rockRidge: boolean;
  joliet: boolean;
  /** A UDF file system is present too (its content is mirrored in ISO 9660, or open() would have failed). */
  udf: boolean;
  hybrid: HybridInfo;
  elTorito: null | {
    catalogSector: number;
    images: ElToritoImageSummary[];
  };
  bootFiles: BootFile[];
  /** False when the search for boot files stopped at its entry budget. */
  bootFilesComplete: boolean;
  warnings: string[];
}

export interface ElToritoImageSummary {
  /** Virtual path readable through the image ("/[BOOT]/uefi.img"). */
  path: string;
  platform: BootPlatform;
  bootable: boolean;
  media: BootMedia;
  loadSector: number;
  /** 512-byte sectors the catalog says to load. */
  sectorCount: number;
  size: number;
}
