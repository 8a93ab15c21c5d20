import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import type { PrimaryVolume } from '../protocol/iso9660/volume-descriptor.ts';
import type { ByteSource } from './byte-source.ts';
import type { DirEntry, TreeMode } from './directory-reader.ts';
import type { Extent, IsoEntry } from './iso-entry.ts';
import { IsoError } from './iso-error.ts';
import type { VolumeSet } from './read-volume.ts';
import { UdfTree } from './udf-tree.ts';
import { UdfVolume } from './udf-volume.ts';

/** What IsoImage needs from a directory tree, ISO 9660 or UDF. */
export interface TreeReader {
  readonly mode: TreeMode;
  /** Entries of the directory whose first extent is `dir`. */
  entries(dir: Extent, dirPath: string): Promise<DirEntry[]>;
}

/** The labels `iso info` shows; from the ISO 9660 primary descriptor where there is one. */
export interface VolumeLabels {
  volumeId: string;
  systemId: string;
  volumeSetId: string;
  publisherId: string;
  preparerId: string;
  applicationId: string;
  created?: Date;
  /** Size the volume descriptor declares (hybrid images are often padded beyond it). */
  volumeBytes: number;
}

export interface FileSystemChoice {
  fileSystem: 'iso9660' | 'udf';
  /** What the ISO 9660 side holds: the same files, a README stub, or nothing. */
  isoSide: 'full' | 'stub' | 'none';
  /** "2.50" when UDF was read. */
  udfRevision?: string;
  /** The ISO 9660 tree had Rock Ridge (even when UDF was read instead). */
  rockRidge: boolean;
  root: IsoEntry;
  dirs: TreeReader;
  labels: VolumeLabels;
}

export interface OpenOptions {
  /** 'auto' (default): UDF when the ISO 9660 side is a stub or absent. */
  fileSystem?: 'auto' | 'iso9660' | 'udf';
}

export function isoFileSystem(volumes: VolumeSet, tree: PrimaryVolume, dirs: TreeReader): FileSystemChoice {
  const pvd = volumes.primary ?? tree;
  const r = tree.root;
  return {
    fileSystem: 'iso9660',
    isoSide: 'full',
    rockRidge: dirs.mode.names === 'rock-ridge',
    root: { name: '', path: '/', kind: 'dir', size: r.dataLength, extents: [{ sector: r.extentSector, length: r.dataLength }], ...(r.recorded ? { mtime: r.recorded } : {}) },
    dirs,
    labels: { ...pvd, volumeBytes: pvd.volumeBlocks * SECTOR_SIZE },
  };
}

/**
 * Picks the tree to read. UDF "bridge" images (Windows install media) keep a token ISO 9660
 * tree, typically one README.TXT saying "this disc contains a UDF file system": listing that
 * would mislead, so such images, and images with no ISO 9660 side at all, are read through UDF.
 */
export async function chooseFileSystem(
  source: ByteSource,
  file: string,
  volumes: VolumeSet,
  want: 'auto' | 'iso9660' | 'udf',
  iso: () => Promise<FileSystemChoice>,
): Promise<FileSystemChoice> {
  const hasIso = volumes.primary !== undefined || volumes.joliet !== undefined;
  if (want === 'iso9660') {
    if (!hasIso) throw new IsoError(file, 'not-iso', 'the image has no ISO 9660 file system (only UDF)');
    return iso();
  }
  if (want === 'udf') {
    if (!volumes.udf) throw new IsoError(file, 'not-iso', 'the image has no UDF file system (no NSR02/NSR03 descriptor)');
    return udfFileSystem(source, file, volumes, hasIso ? await iso() : null);
  }
  if (!volumes.udf) return iso();
  if (!hasIso) return udfFileSystem(source, file, volumes, null);
  const isoChoice = await iso();
  return (await isStub(isoChoice)) ? udfFileSystem(source, file, volumes, isoChoice) : isoChoice;
}

async function isStub(iso: FileSystemChoice): Promise<boolean> {
  const top = await iso.dirs.entries(iso.root.extents[0]!, '/');
  return !top.some((e) => e.kind === 'dir') && top.length <= 1;
}

async function udfFileSystem(source: ByteSource, file: string, volumes: VolumeSet, iso: FileSystemChoice | null): Promise<FileSystemChoice> {
  const volume = await UdfVolume.open(source, file);
  const tree = new UdfTree(source, file, volume);
  const root = await tree.root();
  const pvd = volumes.primary;
  const created = volume.primary?.recorded ?? volume.fileSet.recorded ?? pvd?.created;
  return {
    fileSystem: 'udf',
    isoSide: iso === null ? 'none' : (await isStub(iso)) ? 'stub' : 'full',
    udfRevision: volume.revision,
    rockRidge: iso?.rockRidge ?? false,
    root,
    dirs: tree,
    labels: {
      volumeId: volume.logical.volumeId || volume.primary?.volumeId || pvd?.volumeId || '',
      systemId: pvd?.systemId ?? '',
      volumeSetId: volume.primary?.volumeSetId ?? pvd?.volumeSetId ?? '',
      publisherId: pvd?.publisherId ?? '',
      preparerId: pvd?.preparerId ?? '',
      applicationId: volume.primary?.applicationId || pvd?.applicationId || '',
      ...(created ? { created } : {}),
      volumeBytes: pvd ? pvd.volumeBlocks * SECTOR_SIZE : source.size,
    },
  };
}
