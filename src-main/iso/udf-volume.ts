import { ExtentType, FileType, parseFileEntry } from '../protocol/udf/file-entry.ts';
import { looksLikeTag, parseTag, TagId } from '../protocol/udf/tag.ts';
import { UdfFormatError } from '../protocol/udf/udf-format-error.ts';
import {
  ANCHOR_SECTOR,
  parseAnchor,
  parseFileSet,
  parseLogicalVolume,
  parsePartition,
  parsePrimaryVolume,
  type Anchor,
  type ExtentAd,
  type FileSet,
  type LogicalVolume,
  type UdfPartition,
  type UdfPrimaryVolume,
} from '../protocol/udf/volume-descriptors.ts';
import type { ByteSource } from './byte-source.ts';
import { IsoError } from './iso-error.ts';
import { readExact } from './read-exact.ts';

/** UDF on optical media (and every Windows/genisoimage/mkudffs image we read) uses 2048-byte blocks. */
export const UDF_BLOCK = 2048;
/** Descriptors one volume descriptor sequence may hold, pointers followed included (UDF: 16 sectors is typical). */
export const MAX_VDS_DESCRIPTORS = 256;
/** Extents of the metadata file: mkudffs and Windows write one or a handful. */
export const MAX_METADATA_EXTENTS = 4096;

export interface UdfBlockAddress {
  partition: number;
  block: number;
}

/**
 * The mounted view of a UDF volume: which descriptors were found and how a (partition
 * reference, logical block) pair becomes a sector of the image, through a physical partition or
 * the UDF 2.50 metadata partition (a file in the physical partition that holds all ICBs).
 */
export class UdfVolume {
  private constructor(
    private readonly file: string,
    readonly primary: UdfPrimaryVolume | undefined,
    readonly logical: LogicalVolume,
    readonly fileSet: FileSet,
    /** Indexed by partition reference number. */
    private readonly maps: Array<(block: number) => number>,
  ) {}

  /** "2.50", from the logical volume's domain identifier. */
  get revision(): string {
    return this.logical.udfRevision;
  }

  static async open(source: ByteSource, file: string): Promise<UdfVolume> {
    try {
      return await UdfVolume.read(source, file);
    } catch (err) {
      if (err instanceof UdfFormatError) throw new IsoError(file, err.problem === 'unsupported' ? 'unsupported' : 'corrupt', `UDF: ${err.message}`, undefined, { cause: err });
      throw err;
    }
  }

  /** Sector of logical block `block` in partition reference `partition`. */
  sector(addr: UdfBlockAddress, what: string): number {
    const map = this.maps[addr.partition];
    if (!map) throw new IsoError(this.file, 'corrupt', `UDF: ${what} refers to partition ${addr.partition}, but the volume has ${this.maps.length}`);
    try {
      return map(addr.block);
    } catch (err) {
      if (err instanceof UdfFormatError) throw new IsoError(this.file, 'corrupt', `UDF: ${what}: ${err.message}`, undefined, { cause: err });
      throw err;
    }
  }

  private static async read(source: ByteSource, file: string): Promise<UdfVolume> {
    const sectors = Math.floor(source.size / UDF_BLOCK);
    const readSector = (s: number, what: string) => readExact(source, file, s * UDF_BLOCK, UDF_BLOCK, what);
    const anchor = await findAnchor(source, file, sectors);
    let seq: Sequence;
    try {
      seq = await readSequence(anchor.main, sectors, readSector);
    } catch (err) {
      if (!(err instanceof UdfFormatError)) throw err;
      // ECMA-167 3/8.4.2: the reserve copy exists for exactly this.
      seq = await readSequence(anchor.reserve, sectors, readSector);
    }
    const lvd = seq.logical;
    if (!lvd) throw new UdfFormatError('the volume descriptor sequence has no logical volume descriptor');
    if (lvd.blockSize !== UDF_BLOCK) throw new UdfFormatError(`logical block size ${lvd.blockSize} (only ${UDF_BLOCK}-byte blocks are read)`, 0, 'unsupported');
    const physical = (n: number): UdfPartition => {
      const p = seq.partitions.find((q) => q.number === n);
      if (!p) throw new UdfFormatError(`a partition map names partition ${n}, which has no partition descriptor`);
      return p;
    };
    const inPartition = (p: UdfPartition) => (block: number) => {
      if (block >= p.length) throw new UdfFormatError(`block ${block} is beyond partition ${p.number} (${p.length} blocks)`);
      return p.start + block;
    };
    const maps: Array<(block: number) => number> = [];
    for (const m of lvd.maps) {
      if (m.type === 'physical') maps.push(inPartition(physical(m.partitionNumber)));
      // A sparable partition remaps defective packets of rewritable discs; an image file has
      // none, so its blocks are where the physical partition puts them.
      else if (m.type === 'sparable') maps.push(inPartition(physical(m.partitionNumber)));
      else if (m.type === 'metadata') maps.push(await metadataMap(m, physical(m.partitionNumber), readSector));
      else if (m.type === 'virtual') throw new UdfFormatError('the volume uses a virtual allocation table (an unclosed write-once disc); such images are not read', 0, 'unsupported');
      else throw new UdfFormatError(`unknown partition map "${m.identifier}"`, 0, 'unsupported');
    }
    const fsdAddr = lvd.fileSet;
    const mapFsd = maps[fsdAddr.partition];
    if (!mapFsd) throw new UdfFormatError(`the file set descriptor is in partition ${fsdAddr.partition}, which the volume does not have`);
    const fsdSector = mapFsd(fsdAddr.block);
    const fileSet = parseFileSet(await readSector(fsdSector, 'UDF file set descriptor'), fsdAddr.block);
    return new UdfVolume(file, seq.primary, lvd, fileSet, maps);
  }
}

async function findAnchor(source: ByteSource, file: string, sectors: number): Promise<Anchor> {
  const candidates = [ANCHOR_SECTOR, sectors - 1, sectors - 1 - ANCHOR_SECTOR].filter((s, i, a) => s > 0 && s < sectors && a.indexOf(s) === i);
  let first: unknown;
  for (const s of candidates) {
    const b = await readExact(source, file, s * UDF_BLOCK, UDF_BLOCK, 'UDF anchor');
    if (!looksLikeTag(b, TagId.anchor)) continue;
    try {
      return parseAnchor(b, s);
    } catch (err) {
      // The first copy's problem is the one to report: sector 256 is where readers look.
      first ??= err;
    }
  }
  if (first instanceof UdfFormatError) throw first;
  throw new UdfFormatError(`no anchor volume descriptor pointer at sector ${ANCHOR_SECTOR} or at the end of the image`);
}

interface Sequence {
  primary?: UdfPrimaryVolume;
  logical?: LogicalVolume;
  partitions: UdfPartition[];
}

/**
 * Reads a volume descriptor sequence, following pointers, up to a terminator or MAX_VDS_DESCRIPTORS.
 * Of several descriptors of one kind the highest sequence number wins (3/8.4.3).
 */
async function readSequence(start: ExtentAd, sectors: number, readSector: (s: number, what: string) => Promise<Uint8Array>): Promise<Sequence> {
  const seq: Sequence = { partitions: [] };
  let extent = start;
  let seen = 0;
  for (;;) {
    const count = Math.floor(extent.length / UDF_BLOCK);
    if (count === 0 || extent.location >= sectors) throw new UdfFormatError(`volume descriptor sequence at sector ${extent.location} (${extent.length} bytes) is outside the image`);
    let next: ExtentAd | null = null;
    for (let i = 0; i < count && extent.location + i < sectors; i++) {
      if (++seen > MAX_VDS_DESCRIPTORS) throw new UdfFormatError(`volume descriptor sequence longer than ${MAX_VDS_DESCRIPTORS} descriptors (a pointer loop?)`);
      const at = extent.location + i;
      const b = await readSector(at, 'UDF volume descriptor');
      if (!looksLikeTag(b)) return seq;
      const tag = parseTag(b, { location: at, what: `volume descriptor at sector ${at}` });
      if (tag.id === TagId.terminating) return seq;
      if (tag.id === TagId.primaryVolume) {
        const p = parsePrimaryVolume(b);
        if (!seq.primary || p.sequenceNumber > seq.primary.sequenceNumber) seq.primary = p;
      } else if (tag.id === TagId.logicalVolume) {
        const l = parseLogicalVolume(b);
        if (!seq.logical || l.sequenceNumber > seq.logical.sequenceNumber) seq.logical = l;
      } else if (tag.id === TagId.partition) {
        const p = parsePartition(b);
        const same = seq.partitions.findIndex((q) => q.number === p.number);
        if (same < 0) seq.partitions.push(p);
        else if (p.sequenceNumber > seq.partitions[same]!.sequenceNumber) seq.partitions[same] = p;
      } else if (tag.id === TagId.pointer) {
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        next = { length: v.getUint32(20, true), location: v.getUint32(24, true) };
        break;
      }
    }
    if (!next) return seq;
    extent = next;
  }
}

/**
 * The metadata partition (UDF 2.50 2.2.10): its logical blocks are the bytes of the metadata
 * file, whose extents lie in the physical partition. When the main file is damaged the mirror
 * holds the same map.
 */
async function metadataMap(
  m: { metadataFile: number; mirrorFile: number },
  p: UdfPartition,
  readSector: (s: number, what: string) => Promise<Uint8Array>,
): Promise<(block: number) => number> {
  let last: unknown;
  for (const block of [m.metadataFile, m.mirrorFile]) {
    try {
      if (block >= p.length) throw new UdfFormatError(`metadata file at block ${block} is beyond partition ${p.number}`);
      const fe = parseFileEntry(await readSector(p.start + block, 'UDF metadata file entry'), block, 'metadata file entry');
      if (fe.fileType !== FileType.metadata && fe.fileType !== FileType.metadataMirror) throw new UdfFormatError(`metadata partition's file entry has file type ${fe.fileType}`);
      if (fe.adType !== 0 && fe.adType !== 1) throw new UdfFormatError('metadata file is not described by allocation descriptors');
      if (fe.extents.length > MAX_METADATA_EXTENTS) throw new UdfFormatError(`metadata file has ${fe.extents.length} extents`);
      const runs = fe.extents.filter((e) => e.type !== ExtentType.continuation).map((e) => ({ blocks: Math.ceil(e.length / UDF_BLOCK), start: e.block, recorded: e.type === ExtentType.recorded }));
      return (lbn: number) => {
        let base = 0;
        for (const r of runs) {
          if (lbn < base + r.blocks) {
            if (!r.recorded) throw new UdfFormatError(`metadata block ${lbn} is not recorded`);
            const b = r.start + (lbn - base);
            if (b >= p.length) throw new UdfFormatError(`metadata block ${lbn} maps beyond partition ${p.number}`);
            return p.start + b;
          }
          base += r.blocks;
        }
        throw new UdfFormatError(`block ${lbn} is beyond the metadata partition (${base} blocks)`);
      };
    } catch (err) {
      if (!(err instanceof UdfFormatError)) throw err;
      last = err;
    }
  }
  throw last;
}
