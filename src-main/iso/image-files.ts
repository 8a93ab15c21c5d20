/**
 * The read-only view of an image that boot inspection needs. IsoImage implements
 * it; recipe tests implement it over an in-memory tree. Paths are absolute inside the image,
 * '/'-separated ("/arch/boot/x86_64/vmlinuz-linux").
 */
export interface ImageEntry {
  /** Display name: Rock Ridge or Joliet long name when the image has one. */
  name: string;
  /** Absolute path inside the image, using the display names. */
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  size: number;
  /** Symlink target (Rock Ridge SL), as stored. */
  target?: string;
}

export interface ImageFiles {
  /** Path of the image file on disk (for messages). */
  readonly path: string;
  /** null when absent. `caseInsensitive` matches names ignoring case (boot configs often differ in case from the image). */
  stat(path: string, opts?: { caseInsensitive?: boolean }): Promise<ImageEntry | null>;
  /** Entries of a directory; throws if `dirPath` is not a directory. */
  list(dirPath: string): Promise<ImageEntry[]>;
  /** Whole file; throws if larger than maxBytes (default 16 MiB) so a config read never loads a squashfs. */
  readFile(path: string, opts?: { maxBytes?: number; caseInsensitive?: boolean }): Promise<Uint8Array>;
}
