import type { ImageEntry } from './image-files.ts';

/** A run of bytes in the image: `length` bytes from sector `sector` (2048-byte sectors). */
export interface Extent {
  sector: number;
  length: number;
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
