import {
  ExtentType,
  FileType,
  parseAllocationExtentDescriptor,
  parseFileEntry,
  parseFileIdentifiers,
  parseSymlinkTarget,
  type AllocationExtent,
  type FileEntry,
} from '../protocol/udf/file-entry.ts';
import { UdfFormatError } from '../protocol/udf/udf-format-error.ts';
import type { ByteSource } from './byte-source.ts';
import { MAX_DIRECTORY_BYTES, MAX_EXTENTS, type DirEntry, type TreeMode } from './directory-reader.ts';
import { extentOffset, type Extent, type IsoEntry } from './iso-entry.ts';
import { IsoError } from './iso-error.ts';
import { LruCache } from './lru-cache.ts';
import { readExact } from './read-exact.ts';
import { UDF_BLOCK, type UdfBlockAddress, type UdfVolume } from './udf-volume.ts';

/** Allocation extent descriptors one file may chain through (a loop ends here). */
export const MAX_AD_BLOCKS = 1024;
/** Directories whose file entry location is remembered for reading them later. */
export const MAX_KNOWN_DIRECTORIES = 200_000;
/** Symbolic link data read at most. */
const MAX_SYMLINK_BYTES = 4096;

export const UDF_MODE: TreeMode = { names: 'udf', suspSkip: 0 };

/**
 * Reads UDF directories into the entries IsoImage works with. A directory's first extent names
 * the sector of its file entry (not of its data): that sector is what loop checks compare, and
 * what `entries` is handed back. File extents are mapped to image sectors once, when listed.
 */
export class UdfTree {
  readonly mode = UDF_MODE;
  private readonly dirs = new LruCache<number, DirEntry[]>(256, 50_000, (d) => d.length + 1);
  private readonly reading = new Map<number, Promise<DirEntry[]>>();
  private readonly known = new Map<number, UdfBlockAddress>();

  constructor(
    private readonly source: ByteSource,
    private readonly file: string,
    readonly volume: UdfVolume,
  ) {}

  async root(): Promise<IsoEntry> {
    const r = this.volume.fileSet.root;
    const e = await this.entryAt({ partition: r.partition, block: r.block }, '', '/');
    if (e.kind !== 'dir') throw new IsoError(this.file, 'corrupt', 'UDF: the root directory\'s file entry is not a directory');
    return { ...e, path: '/' };
  }

  async entries(dir: Extent, dirPath: string): Promise<DirEntry[]> {
    const hit = this.dirs.get(dir.sector);
    if (hit) return hit;
    const pending = this.reading.get(dir.sector);
    if (pending) return pending;
    const read = this.readDirectory(dir, dirPath).finally(() => this.reading.delete(dir.sector));
    this.reading.set(dir.sector, read);
    const out = await read;
    this.dirs.set(dir.sector, out);
    return out;
  }

  private async readDirectory(dir: Extent, dirPath: string): Promise<DirEntry[]> {
    const addr = this.known.get(dir.sector);
    if (!addr) throw new IsoError(this.file, 'corrupt', `UDF: ${dirPath} was not reached through its parent directory`);
    const at = dir.sector * UDF_BLOCK;
    const fe = await this.fileEntry(addr, dirPath);
    if (fe.infoLength > MAX_DIRECTORY_BYTES) {
      throw new IsoError(this.file, 'limit', `directory ${dirPath} claims ${fe.infoLength} bytes, more than the ${MAX_DIRECTORY_BYTES}-byte limit`, at);
    }
    const extents = await this.dataExtents(fe, addr, dir.sector, dirPath);
    const bytes = await this.readExtents(extents, fe.infoLength, `directory ${dirPath}`);
    const fids = this.decode(() => parseFileIdentifiers(bytes, `directory ${dirPath}`), at);
    const out: DirEntry[] = [];
    const names = new Set<string>();
    for (const fid of fids) {
      if (fid.parent || fid.deleted || fid.name === '') continue;
      if (fid.name.includes('/') || fid.name === '.' || fid.name === '..') {
        throw new IsoError(this.file, 'corrupt', `UDF: directory ${dirPath} holds an entry named "${fid.name}"`, at);
      }
      if (names.has(fid.name)) continue;
      names.add(fid.name);
      const path = `${dirPath === '/' ? '' : dirPath}/${fid.name}`;
      out.push(await this.entryAt({ partition: fid.icb.partition, block: fid.icb.block }, fid.name, path));
    }
    return out;
  }

  private async entryAt(addr: UdfBlockAddress, name: string, path: string): Promise<DirEntry> {
    const sector = this.volume.sector(addr, `file entry of ${path}`);
    const fe = await this.fileEntry(addr, path);
    const base = { name, size: fe.infoLength, ...(fe.mtime ? { mtime: fe.mtime } : {}) };
    if (fe.fileType === FileType.directory) {
      if (this.known.size >= MAX_KNOWN_DIRECTORIES && !this.known.has(sector)) {
        throw new IsoError(this.file, 'limit', `more than ${MAX_KNOWN_DIRECTORIES} UDF directories`);
      }
      this.known.set(sector, addr);
      return { ...base, kind: 'dir', extents: [{ sector, length: fe.infoLength }] };
    }
    const extents = await this.dataExtents(fe, addr, sector, path);
    if (fe.fileType === FileType.symlink) {
      const len = Math.min(fe.infoLength, MAX_SYMLINK_BYTES);
      const data = await this.readExtents(extents, len, `symbolic link ${path}`);
      return { ...base, kind: 'symlink', size: 0, extents: [], target: this.decode(() => parseSymlinkTarget(data, `symbolic link ${path}`), sector * UDF_BLOCK) };
    }
    return { ...base, kind: 'file', extents };
  }

  private async fileEntry(addr: UdfBlockAddress, path: string): Promise<FileEntry> {
    const sector = this.volume.sector(addr, `file entry of ${path}`);
    const block = await readExact(this.source, this.file, sector * UDF_BLOCK, UDF_BLOCK, `UDF file entry of ${path}`);
    const fe = this.decode(() => parseFileEntry(block, addr.block, `file entry of ${path || '/'}`), sector * UDF_BLOCK);
    // Strategy 4096 (4/A.4, rewritable media) starts with the same direct entry; later
    // versions chained through indirect entries are what such discs add, images do not.
    if (fe.strategy !== 4 && fe.strategy !== 4096) {
      throw new IsoError(this.file, 'unsupported', `UDF: ${path || '/'} uses ICB strategy ${fe.strategy}`, sector * UDF_BLOCK);
    }
    return fe;
  }

  /**
   * The file's bytes as image extents: allocation descriptors followed through allocation extent
   * descriptors (at most MAX_AD_BLOCKS of them), unrecorded extents as sparse runs, cut at the
   * information length. Adjacent runs are merged so a stream reads in large chunks.
   */
  private async dataExtents(fe: FileEntry, addr: UdfBlockAddress, feSector: number, path: string): Promise<Extent[]> {
    if (fe.embeddedAt !== undefined) return fe.infoLength ? [{ sector: feSector, within: fe.embeddedAt, length: fe.infoLength }] : [];
    const out: Extent[] = [];
    let total = 0;
    let hops = 0;
    const queue: AllocationExtent[] = [...fe.extents];
    while (queue.length && total < fe.infoLength) {
      const ad = queue.shift()!;
      const partition = ad.partition ?? addr.partition;
      if (ad.type === ExtentType.continuation) {
        if (++hops > MAX_AD_BLOCKS) throw new IsoError(this.file, 'limit', `UDF: ${path} chains through more than ${MAX_AD_BLOCKS} allocation extent blocks (a loop?)`, feSector * UDF_BLOCK);
        const s = this.volume.sector({ partition, block: ad.block }, `allocation descriptors of ${path}`);
        const b = await readExact(this.source, this.file, s * UDF_BLOCK, UDF_BLOCK, `allocation descriptors of ${path}`);
        queue.length = 0;
        queue.push(...this.decode(() => parseAllocationExtentDescriptor(b, ad.block, fe.adType, `allocation descriptors of ${path}`), s * UDF_BLOCK));
        continue;
      }
      const length = Math.min(ad.length, fe.infoLength - total);
      const sparse = ad.type !== ExtentType.recorded;
      const sector = sparse ? 0 : this.volume.sector({ partition, block: ad.block }, `data of ${path}`);
      const prev = out[out.length - 1];
      if (prev && !prev.within && (sparse ? prev.sparse : !prev.sparse && prev.sector * UDF_BLOCK + prev.length === sector * UDF_BLOCK) && prev.length + length <= 2 ** 40) {
        prev.length += length;
      } else {
        if (out.length >= MAX_EXTENTS) throw new IsoError(this.file, 'limit', `UDF: ${path} has more than ${MAX_EXTENTS} extents`, feSector * UDF_BLOCK);
        out.push(sparse ? { sector: 0, length, sparse: true } : { sector, length });
      }
      total += length;
    }
    if (total < fe.infoLength) {
      throw new IsoError(this.file, 'corrupt', `UDF: ${path} is ${fe.infoLength} bytes long but its extents hold only ${total}`, feSector * UDF_BLOCK);
    }
    return out;
  }

  private async readExtents(extents: readonly Extent[], size: number, what: string): Promise<Uint8Array> {
    const out = new Uint8Array(size);
    let done = 0;
    for (const e of extents) {
      if (done >= size) break;
      const len = Math.min(e.length, size - done);
      if (!e.sparse) out.set(await readExact(this.source, this.file, extentOffset(e), len, what), done);
      done += len;
    }
    return out;
  }

  private decode<T>(fn: () => T, offset: number): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof UdfFormatError) {
        throw new IsoError(this.file, err.problem === 'unsupported' ? 'unsupported' : 'corrupt', `UDF: ${err.message}`, offset + err.offset, { cause: err });
      }
      throw err;
    }
  }
}
