import {
  FLAG_ASSOCIATED,
  FLAG_MULTI_EXTENT,
  parseDirectoryExtent,
  parseDirectoryRecord,
  type DirectoryRecord,
} from '../protocol/iso9660/directory-record.ts';
import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import { IsoFormatError } from '../protocol/iso9660/iso-format-error.ts';
import { readRockRidge, S_IFDIR, S_IFLNK, S_IFMT, type RockRidge } from '../protocol/iso9660/rock-ridge.ts';
import { parseSuspArea, type SuspEntry } from '../protocol/iso9660/susp.ts';
import type { ByteSource } from './byte-source.ts';
import { IsoError } from './iso-error.ts';
import type { Extent, IsoEntry } from './iso-entry.ts';
import { LruCache } from './lru-cache.ts';
import { readExact } from './read-exact.ts';

/** Which directory tree names come from. */
export interface TreeMode {
  names: 'rock-ridge' | 'joliet' | 'iso9660' | 'udf';
  /** SUSP SP LEN_SKP: bytes to skip at the start of every system use area. */
  suspSkip: number;
}

/** A directory is read whole; 32 MiB holds ~300 000 records, far more than any real image. */
export const MAX_DIRECTORY_BYTES = 32 << 20;
/** CE chains: real images use one hop; a loop or a long chain is corruption. */
export const MAX_CONTINUATIONS = 32;
export const MAX_CONTINUATION_BYTES = 64 << 10;
/** A file over 4 GiB needs ceil(size / 4 GiB) extents; 65 536 of them is 256 TiB. */
export const MAX_EXTENTS = 65_536;

export type DirEntry = Omit<IsoEntry, 'path'>;

/**
 * Reads, decodes and caches directories. Memory stays bounded: parsed directories and raw
 * blocks (for CE areas) live in LRU caches with fixed limits, whatever the image size.
 */
export class DirectoryReader {
  private readonly dirs = new LruCache<number, DirEntry[]>(256, 50_000, (d) => d.length + 1);
  private readonly blocks = new LruCache<number, Uint8Array>(64, 64, () => 1);
  private readonly reading = new Map<number, Promise<DirEntry[]>>();

  constructor(
    private readonly source: ByteSource,
    private readonly file: string,
    readonly mode: TreeMode,
  ) {}

  readExact(position: number, length: number, what: string): Promise<Uint8Array> {
    return readExact(this.source, this.file, position, length, what);
  }

  async block(sector: number, what: string): Promise<Uint8Array> {
    const hit = this.blocks.get(sector);
    if (hit) return hit;
    const b = await this.readExact(sector * SECTOR_SIZE, SECTOR_SIZE, what);
    this.blocks.set(sector, b);
    return b;
  }

  /** Entries of the directory stored at `dir`, '.' and '..' excluded, relocated (RE) ones hidden. */
  async entries(dir: Extent, dirPath: string): Promise<DirEntry[]> {
    const hit = this.dirs.get(dir.sector);
    if (hit) return hit;
    // Many clients booting at once ask for the same directories at the same moment: one read.
    const pending = this.reading.get(dir.sector);
    if (pending) return pending;
    const read = this.readEntries(dir, dirPath).finally(() => this.reading.delete(dir.sector));
    this.reading.set(dir.sector, read);
    return read;
  }

  private async readEntries(dir: Extent, dirPath: string): Promise<DirEntry[]> {
    if (dir.length > MAX_DIRECTORY_BYTES) {
      throw new IsoError(this.file, 'limit', `directory ${dirPath} claims ${dir.length} bytes, more than the ${MAX_DIRECTORY_BYTES}-byte limit`, dir.sector * SECTOR_SIZE);
    }
    const at = dir.sector * SECTOR_SIZE;
    const bytes = await this.readExact(at, dir.length, `directory ${dirPath}`);
    const records = this.decode(() => parseDirectoryExtent(bytes, { joliet: this.mode.names === 'joliet', imageOffset: at }), `directory ${dirPath}`);
    const out = await this.assemble(records, at, dirPath);
    this.dirs.set(dir.sector, out);
    return out;
  }

  /** Rock Ridge attributes of a record, following CE continuation areas with loop and length bounds. */
  async rockRidge(rec: DirectoryRecord, recordAt: number, where: string): Promise<RockRidge> {
    if (this.mode.names !== 'rock-ridge') return {};
    const entries = await this.suspEntries(rec, recordAt, where);
    return this.decode(() => readRockRidge(entries), `Rock Ridge data of ${where}`, recordAt);
  }

  async suspEntries(rec: DirectoryRecord, recordAt: number, where: string): Promise<SuspEntry[]> {
    let area = this.decode(() => parseSuspArea(rec.systemUse, this.mode.suspSkip), `system use area of ${where}`, recordAt);
    const entries = [...area.entries];
    const seen = new Set<string>();
    let total = 0;
    while (area.continuation) {
      const c = area.continuation;
      const key = `${c.sector}:${c.offset}`;
      if (seen.has(key)) {
        throw new IsoError(this.file, 'limit', `Rock Ridge continuation (CE) loop in ${where}: sector ${c.sector} offset ${c.offset} is visited twice`, c.sector * SECTOR_SIZE + c.offset);
      }
      seen.add(key);
      total += c.length;
      if (seen.size > MAX_CONTINUATIONS || total > MAX_CONTINUATION_BYTES) {
        throw new IsoError(this.file, 'limit', `Rock Ridge continuation (CE) chain of ${where} exceeds ${MAX_CONTINUATIONS} areas or ${MAX_CONTINUATION_BYTES} bytes`, c.sector * SECTOR_SIZE + c.offset);
      }
      const bytes = await this.continuationBytes(c.sector, c.offset, c.length, where);
      area = this.decode(() => parseSuspArea(bytes), `continuation area of ${where}`, c.sector * SECTOR_SIZE + c.offset);
      entries.push(...area.entries);
    }
    return entries;
  }

  private async continuationBytes(sector: number, offset: number, length: number, where: string): Promise<Uint8Array> {
    const start = sector * SECTOR_SIZE + offset;
    if (start + length > this.source.size) {
      throw new IsoError(this.file, 'corrupt', `Rock Ridge continuation area of ${where} (${length} bytes at byte ${start}) lies beyond the end of the image (${this.source.size} bytes)`);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const pos = start + done;
      const block = await this.block(Math.floor(pos / SECTOR_SIZE), `continuation area of ${where}`);
      const from = pos % SECTOR_SIZE;
      const n = Math.min(SECTOR_SIZE - from, length - done);
      out.set(block.subarray(from, from + n), done);
      done += n;
    }
    return out;
  }

  private async assemble(records: DirectoryRecord[], at: number, dirPath: string): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    let pending: { entry: DirEntry; isoName: string } | null = null;
    for (const rec of records) {
      if (rec.special) continue;
      const recordAt = at + rec.at;
      if (pending && rec.name === pending.isoName) {
        // Multi-extent continuation (ECMA-119 §6.5.1): same identifier, next part of the data.
        const extents = pending.entry.extents as Extent[];
        if (extents.length >= MAX_EXTENTS) {
          throw new IsoError(this.file, 'limit', `file ${dirPath}/${pending.entry.name} has more than ${MAX_EXTENTS} extents`, recordAt);
        }
        extents.push({ sector: rec.extentSector, length: rec.dataLength });
        pending.entry.size += rec.dataLength;
        if (!(rec.flags & FLAG_MULTI_EXTENT)) pending = null;
        continue;
      }
      pending = null;
      // Associated files (§6.8.2.3) are Apple resource forks sharing the name of a real file.
      if (rec.flags & FLAG_ASSOCIATED) continue;
      const where = `${dirPath === '/' ? '' : dirPath}/${rec.name}`;
      const rr = await this.rockRidge(rec, recordAt, where);
      if (rr.relocated) continue; // shown at its original place through the CL placeholder
      const entry = await this.toEntry(rec, rr, where, recordAt);
      out.push(entry);
      if (rec.flags & FLAG_MULTI_EXTENT && !rec.isDirectory) pending = { entry, isoName: rec.name };
    }
    return out;
  }

  private async toEntry(rec: DirectoryRecord, rr: RockRidge, where: string, recordAt: number): Promise<DirEntry> {
    const name = rr.name ?? rec.name;
    const mtime = rr.modified ?? rec.recorded;
    const base = { name, mode: rr.mode, mtime };
    if (rr.childLinkSector !== undefined) {
      // RRIP §4.1.5.1: the real directory was moved (deep tree); its "." record has its size.
      const first = await this.block(rr.childLinkSector, `relocated directory of ${where}`);
      const self = this.decode(() => parseDirectoryRecord(first, 0, { joliet: false, imageOffset: rr.childLinkSector! * SECTOR_SIZE }), `relocated directory of ${where}`);
      if (self.special !== 'self' || !self.isDirectory) {
        throw new IsoError(this.file, 'corrupt', `Rock Ridge CL of ${where} points at sector ${rr.childLinkSector}, which does not start a directory`, recordAt);
      }
      return { ...base, kind: 'dir', size: self.dataLength, extents: [{ sector: self.extentSector, length: self.dataLength }] };
    }
    const type = rr.mode === undefined ? undefined : rr.mode & S_IFMT;
    if (rr.symlinkTarget !== undefined || type === S_IFLNK) {
      return { ...base, kind: 'symlink', size: 0, target: rr.symlinkTarget ?? '', extents: [] };
    }
    if (rec.isDirectory || type === S_IFDIR) {
      return { ...base, kind: 'dir', size: rec.dataLength, extents: [{ sector: rec.extentSector, length: rec.dataLength }] };
    }
    const entry: DirEntry = { ...base, kind: 'file', size: rec.dataLength, extents: [{ sector: rec.extentSector, length: rec.dataLength }] };
    if (rr.zisofs) entry.unreadable = 'its content is zisofs-compressed (Rock Ridge ZF), which this reader does not decompress';
    else if (rec.interleaved) entry.unreadable = 'it is recorded in interleaved mode, which this reader does not support';
    return entry;
  }

  /** Runs a pure parser, turning its IsoFormatError into an IsoError naming the file and the place. */
  decode<T>(fn: () => T, what: string, fallbackOffset?: number): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof IsoFormatError) {
        const code = err.problem === 'truncated' || err.problem === 'bad-field' ? 'corrupt' : err.problem === 'not-iso' ? 'not-iso' : err.problem;
        throw new IsoError(this.file, code, `${what}: ${err.message}`, err.offset ?? fallbackOffset, { cause: err });
      }
      throw err;
    }
  }
}
