import type { ImageEntry } from './image-files.ts';
import { joinPath } from './image-path.ts';

/** A run of bytes in the image: `length` bytes from sector `sector` (2048-byte sectors). */
export interface Extent {
  sector: number;
  length: number;
  /** Bytes into the sector where the run starts (UDF data embedded in its file entry). */
  within?: number;
  /** Not recorded on disc: reads as zeros (UDF sparse extents). `sector` is then meaningless. */
  sparse?: boolean;
}

/** Byte offset in the image where an extent's bytes start. */
export function extentOffset(e: Extent): number {
  return e.sector * 2048 + (e.within ?? 0);
}

/** An entry as IsoImage reports it: the ImageEntry contract plus where its bytes are. */
export interface IsoEntry extends ImageEntry {
  /** Data extents in file order: several for ISO level 3 multi-extent files (> 4 GiB). */
  extents: readonly Extent[];
  /** POSIX mode from Rock Ridge PX, when present. */
  mode?: number;
  mtime?: Date;
  /** Why the bytes on disc are not the file's bytes (zisofs, interleaving), if so. */
  unreadable?: string;
  /** El Torito boot image exposed under /[BOOT]. */
  virtual?: boolean;
}

/** A directory's child with its path (directory caches hold entries without one, since a directory may be reached by several paths). */
export function childEntry(dir: IsoEntry, e: Omit<IsoEntry, 'path'> | IsoEntry): IsoEntry {
  return 'path' in e ? e : { ...e, path: joinPath(dir.path, e.name) };
}
