import type { Readable } from 'node:stream';
import type { ImageEntry, ImageFiles } from './image-files.ts';
import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import { detectHybrid } from '../protocol/iso9660/hybrid.ts';
import { BOOT_DIR, readBootImages, type BootImage } from './boot-images.ts';
import { FileByteSource, type ByteSource } from './byte-source.ts';
import type { DirEntry } from './directory-reader.ts';
export type { OpenOptions } from './choose-file-system.ts';
import { ExtentReader } from './extent-reader.ts';
import { ExtentStream } from './extent-stream.ts';
import { pathParts } from './image-path.ts';
import { IsoError } from './iso-error.ts';
import { childEntry, extentOffset, type IsoEntry } from './iso-entry.ts';
import { chooseIsoTree } from './iso9660-tree.ts';
import { findBootFiles, sizeBootImages } from './tree-searches.ts';
import type { IsoSummary } from './iso-summary.ts';
import { readExact } from './read-exact.ts';
import { readVolumeSet, type VolumeSet } from './read-volume.ts';
import { chooseFileSystem, type FileSystemChoice, type OpenOptions, type TreeReader } from './choose-file-system.ts';

export type { IsoEntry } from './iso-entry.ts';
export type { IsoSummary } from './iso-summary.ts';
export { IsoError } from './iso-error.ts';

/** Default readFile limit: a config read must never pull in a squashfs. */
export const DEFAULT_MAX_READ = 16 << 20;
/** ELOOP: how many symbolic links one lookup may follow (Linux uses 40; images need a handful). */
export const MAX_SYMLINKS = 16;
/** Walks stop at this depth: Rock Ridge allows deep trees, but a loop must not recurse forever. */
export const MAX_DEPTH = 128;
export interface WalkOptions {
  /** Directory to start from (default '/'); not itself yielded. */
  from?: string;
  /** Also visit /[BOOT] when walking from the root (default false). */
  includeBoot?: boolean;
}

/**
 * An ISO 9660 image read in place: positioned reads through one file handle, directories
 * decoded on demand with bounded caches, file bytes streamed straight from the image.
 */
export class IsoImage implements ImageFiles {
  readonly size: number;
  readonly volumeId: string;
  private closed = false;
  private readonly root: IsoEntry;
  private readonly dirs: TreeReader;
  private readonly bootDir: IsoEntry | null;
  private bootEntriesCache?: Promise<IsoEntry[]>;

  private constructor(
    readonly path: string,
    private readonly source: ByteSource,
    private readonly volumes: VolumeSet,
    private readonly fs: FileSystemChoice,
    private readonly bootImages: BootImage[],
    private readonly warnings: string[],
  ) {
    this.size = source.size;
    this.volumeId = fs.labels.volumeId;
    this.root = fs.root;
    this.dirs = fs.dirs;
    this.bootDir = bootImages.length ? { name: BOOT_DIR, path: `/${BOOT_DIR}`, kind: 'dir', size: 0, extents: [], virtual: true } : null;
  }

  /**
   * Opens an image file. Throws IsoError naming the file and what is wrong with it. The file
   * system read is ISO 9660 (Rock Ridge, Joliet) unless the image has UDF and its ISO 9660 side
   * is a stub or absent; `fileSystem` forces one.
   */
  static async open(path: string, opts: OpenOptions = {}): Promise<IsoImage> {
    let source: FileByteSource;
    try {
      source = await FileByteSource.open(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // 'io', not 'not-found': a missing image file is bad input (exit 2), not a missing path inside one.
      throw new IsoError(path, 'io', `cannot open: ${e.message}`, undefined, { cause: err });
    }
    try {
      return await IsoImage.fromSource(source, path, opts);
    } catch (err) {
      await source.close().catch(() => {});
      throw err;
    }
  }

  /** Opens an image held by any ByteSource (tests and fuzzing use MemoryByteSource). */
  static async fromSource(source: ByteSource, path: string, opts: OpenOptions = {}): Promise<IsoImage> {
    const volumes = await readVolumeSet(source, path);
    const iso = volumes.primary ?? volumes.joliet;
    const declared = iso ? iso.volumeBlocks * SECTOR_SIZE : 0;
    if (declared > source.size) {
      throw new IsoError(
        path,
        'truncated',
        `the image is truncated: its volume descriptor declares ${declared} bytes but the file has ${source.size} (an incomplete download or copy?)`,
      );
    }
    const warnings: string[] = [];
    const fs = await chooseFileSystem(source, path, volumes, opts.fileSystem ?? 'auto', () => chooseIsoTree(source, path, volumes));
    let bootImages: BootImage[] = [];
    if (volumes.boot?.catalogSector !== undefined) {
      const r = await readBootImages(source, volumes.boot.catalogSector);
      bootImages = r.images;
      warnings.push(...r.warnings);
    }
    return new IsoImage(path, source, volumes, fs, bootImages, warnings);
  }

  async stat(path: string, opts?: { caseInsensitive?: boolean }): Promise<IsoEntry | null> {
    return this.lookup(path, { caseInsensitive: opts?.caseInsensitive ?? false, followLast: false });
  }

  async list(dirPath: string): Promise<IsoEntry[]> {
    const dir = await this.lookup(dirPath, { caseInsensitive: false, followLast: true });
    if (!dir) throw new IsoError(this.path, 'not-found', `no ${dirPath} in the image`);
    if (dir.kind !== 'dir') throw new IsoError(this.path, 'not-a-directory', `${dirPath} in the image is not a directory`);
    return this.children(dir);
  }

  async readFile(path: string, opts?: { maxBytes?: number; caseInsensitive?: boolean }): Promise<Uint8Array> {
    const entry = await this.fileEntry(path, opts?.caseInsensitive ?? false);
    const max = opts?.maxBytes ?? DEFAULT_MAX_READ;
    if (entry.size > max) {
      throw new IsoError(this.path, 'too-large', `${entry.path} is ${entry.size} bytes, more than the ${max}-byte limit for reading it whole`);
    }
    const out = new Uint8Array(entry.size);
    let done = 0;
    for (const e of entry.extents) {
      const len = Math.min(e.length, entry.size - done);
      if (!e.sparse) out.set(await readExact(this.source, this.path, extentOffset(e), len, `data of ${entry.path}`), done);
      done += len;
    }
    return out;
  }

  /**
   * Bytes [start, endInclusive] of a file (default: all of it) as a stream read straight from
   * the image. Path lookup failures surface as the stream's 'error' (an IsoError).
   */
  createReadStream(entryOrPath: ImageEntry | string, start = 0, endInclusive?: number, options: { chunkBytes?: number } = {}): Readable {
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`start must be a non-negative integer, got ${start}`);
    if (endInclusive !== undefined && !Number.isSafeInteger(endInclusive)) throw new RangeError(`endInclusive must be an integer, got ${endInclusive}`);
    const own = typeof entryOrPath !== 'string' && 'extents' in entryOrPath ? (entryOrPath as IsoEntry) : null;
    const path = typeof entryOrPath === 'string' ? entryOrPath : entryOrPath.path;
    return new ExtentStream(this.source, this.path, async () => {
      const entry = own && own.kind === 'file' ? own : await this.fileEntry(path, false);
      return { path: entry.path, extents: entry.extents, size: entry.size };
    }, start, endInclusive, options.chunkBytes);
  }

  /** Positioned reads of a file found by stat() into the caller's buffers (HTTP bodies). */
  fileReader(entry: ImageEntry): ExtentReader {
    this.checkOpen();
    const own = entry as IsoEntry;
    if (own.kind !== 'file' || !('extents' in own)) throw new RangeError(`${entry.path} is not a file of this image`);
    return new ExtentReader(this.source, this.path, { path: own.path, extents: own.extents, size: own.size });
  }

  /** Raw image bytes (NBD exports the whole image). */
  async readAt(offset: number, length: number): Promise<Uint8Array> {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`${this.path}: read of ${length} bytes at ${offset} is outside the image (0..${this.size})`);
    }
    return readExact(this.source, this.path, offset, length, 'image bytes');
  }

  /**
   * Every entry under `from` (default '/'), depth first, parents before children. Directory
   * loops (a directory that contains itself) and absurd depths end with an IsoError.
   */
  async *walk(opts: WalkOptions = {}): AsyncGenerator<IsoEntry> {
    const from = opts.from ?? '/';
    const start = await this.lookup(from, { caseInsensitive: false, followLast: true });
    if (!start) throw new IsoError(this.path, 'not-found', `no ${from} in the image`);
    if (start.kind !== 'dir') throw new IsoError(this.path, 'not-a-directory', `${from} in the image is not a directory`);
    if (opts.includeBoot && start === this.root && this.bootDir) {
      yield this.bootDir;
      yield* await this.bootEntries();
    }
    yield* this.walkDir(start, new Set(start.extents.length ? [start.extents[0]!.sector] : []), 0);
  }

  private async *walkDir(dir: IsoEntry, ancestors: Set<number>, depth: number): AsyncGenerator<IsoEntry> {
    if (depth >= MAX_DEPTH) throw new IsoError(this.path, 'limit', `directory tree deeper than ${MAX_DEPTH} levels at ${dir.path}`);
    for (const e of await this.children(dir)) {
      yield e;
      if (e.kind !== 'dir' || e.virtual) continue;
      const sector = e.extents[0]!.sector;
      if (ancestors.has(sector)) {
        throw new IsoError(this.path, 'corrupt', `directory loop: ${e.path} points back at one of its parent directories (sector ${sector})`, sector * SECTOR_SIZE);
      }
      ancestors.add(sector);
      yield* this.walkDir(e, ancestors, depth + 1);
      ancestors.delete(sector);
    }
  }

  async summary(): Promise<IsoSummary> {
    this.checkOpen();
    const pvd = this.fs.labels;
    const head = await readExact(this.source, this.path, 0, Math.min(this.size, 16 * SECTOR_SIZE), 'system area');
    const { files, complete, warnings } = await findBootFiles(this.root, (dir) => this.children(dir));
    const bootEntries = await this.bootEntries();
    return {
      path: this.path,
      size: this.size,
      volumeBytes: pvd.volumeBytes,
      volumeId: this.volumeId,
      systemId: pvd.systemId,
      volumeSetId: pvd.volumeSetId,
      publisherId: pvd.publisherId,
      preparerId: pvd.preparerId,
      applicationId: pvd.applicationId,
      created: pvd.created?.toISOString(),
      fileSystem: this.fs.fileSystem,
      isoSide: this.fs.isoSide,
      ...(this.fs.udfRevision !== undefined ? { udfRevision: this.fs.udfRevision } : {}),
      names: this.dirs.mode.names,
      rockRidge: this.dirs.mode.names === 'rock-ridge' || this.fs.rockRidge,
      joliet: this.volumes.joliet !== undefined,
      udf: this.volumes.udf,
      hybrid: detectHybrid(head),
      elTorito:
        this.volumes.boot?.catalogSector === undefined
          ? null
          : {
              catalogSector: this.volumes.boot.catalogSector,
              images: this.bootImages.map((b, i) => ({
                path: `/${BOOT_DIR}/${b.name}`,
                platform: b.entry.platform,
                bootable: b.entry.bootable,
                media: b.entry.media,
                loadSector: b.entry.loadSector,
                sectorCount: b.entry.sectorCount,
                size: bootEntries[i]!.size,
              })),
            },
      bootFiles: files,
      bootFilesComplete: complete,
      warnings: [...this.warnings, ...warnings],
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source.close();
  }

  // ---- lookup ----

  /** The /[BOOT] files, sized on first use (see sizeBootImages). */
  private bootEntries(): Promise<IsoEntry[]> {
    this.bootEntriesCache ??= sizeBootImages(this.bootImages, this.root, this.size, (dir) => this.rawChildren(dir));
    return this.bootEntriesCache;
  }

  private async children(dir: IsoEntry): Promise<IsoEntry[]> {
    return (await this.rawChildren(dir)).map((e) => childEntry(dir, e));
  }

  /** Cached entries without paths (the same directory may be reached by several paths). */
  private async rawChildren(dir: IsoEntry): Promise<readonly DirEntry[]> {
    this.checkOpen();
    if (dir === this.bootDir) return this.bootEntries();
    if (dir.virtual) return [];
    return this.dirs.entries(dir.extents[0]!, dir.path);
  }

  private async fileEntry(path: string, caseInsensitive: boolean): Promise<IsoEntry> {
    const entry = await this.lookup(path, { caseInsensitive, followLast: true });
    if (!entry) throw new IsoError(this.path, 'not-found', `no ${path} in the image`);
    if (entry.kind === 'dir') throw new IsoError(this.path, 'is-a-directory', `${path} in the image is a directory`);
    if (entry.unreadable) throw new IsoError(this.path, 'unsupported', `cannot read ${entry.path}: ${entry.unreadable}`);
    return entry;
  }

  /**
   * Resolves a path component by component. Symbolic links in the middle are followed (Debian
   * images link /debian → .), the last one only when `followLast`; at most MAX_SYMLINKS.
   */
  private async lookup(path: string, opts: { caseInsensitive: boolean; followLast: boolean }): Promise<IsoEntry | null> {
    this.checkOpen();
    let parts = pathParts(path);
    let hops = 0;
    let cur = this.root;
    let i = 0;
    while (i < parts.length) {
      const want = parts[i]!;
      let next: IsoEntry | undefined;
      if (cur === this.root && want === BOOT_DIR && this.bootDir) next = this.bootDir;
      else {
        if (cur.kind !== 'dir') return null;
        const entries = await this.rawChildren(cur);
        let raw = entries.find((e) => e.name === want);
        if (!raw && opts.caseInsensitive) {
          const lower = want.toLowerCase();
          raw = entries.find((e) => e.name.toLowerCase() === lower);
        }
        next = raw && childEntry(cur, raw);
      }
      if (!next) return null;
      const last = i === parts.length - 1;
      if (next.kind === 'symlink' && (!last || opts.followLast)) {
        if (++hops > MAX_SYMLINKS) {
          throw new IsoError(this.path, 'limit', `too many levels of symbolic links resolving ${path} (more than ${MAX_SYMLINKS})`);
        }
        const target = next.target ?? '';
        const base = target.startsWith('/') ? [] : pathParts(cur.path);
        parts = pathParts([...base, target, ...parts.slice(i + 1)].join('/'));
        cur = this.root;
        i = 0;
        continue;
      }
      cur = next;
      i++;
    }
    return cur;
  }

  private checkOpen(): void {
    if (this.closed) throw new IsoError(this.path, 'closed', 'the image has been closed');
  }
}
