import { Readable } from 'node:stream';
import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import type { ByteSource } from './byte-source.ts';
import { IsoError } from './iso-error.ts';
import type { Extent } from './iso-entry.ts';

/** Read size per pread: large enough that syscall overhead vanishes next to copying. */
const CHUNK = 512 << 10;

export interface StreamTarget {
  /** Image path inside the file, for messages. */
  path: string;
  extents: readonly Extent[];
  size: number;
}

/**
 * Bytes [start, endInclusive] of a file stored in one or more extents, read with positioned
 * reads straight from the image; one read in flight at a time, so memory stays at about one
 * chunk plus the stream's high-water mark. `target` may resolve later (a path lookup).
 */
export class ExtentStream extends Readable {
  private target?: StreamTarget;
  private pos = 0;
  private end = -1;
  private extent = 0;
  private extentStart = 0; // file offset where extents[extent] begins

  constructor(
    private readonly source: ByteSource,
    private readonly file: string,
    private readonly resolveTarget: () => Promise<StreamTarget>,
    private readonly start: number,
    private readonly endInclusive: number | undefined,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _construct(callback: (err?: Error | null) => void): void {
    // Both a failed lookup and a bad extent must reach callback: a construct that never calls
    // back leaves the stream pending forever.
    this.resolveTarget().then((t) => {
      let offset = 0;
      for (const e of t.extents) {
        if (e.sector * SECTOR_SIZE + e.length > this.source.size) {
          throw new IsoError(this.file, 'corrupt', `data of ${t.path} (${e.length} bytes at sector ${e.sector}) lies beyond the end of the image (${this.source.size} bytes)`, e.sector * SECTOR_SIZE);
        }
        offset += e.length;
      }
      this.target = t;
      this.pos = this.start;
      this.end = Math.min(this.endInclusive ?? t.size - 1, offset - 1);
    }).then(() => callback(), callback);
  }

  override _read(): void {
    const t = this.target!;
    if (this.pos > this.end) {
      this.push(null);
      return;
    }
    // Advance to the extent holding pos (reads only move forward, so this is amortised O(1)).
    while (this.extent < t.extents.length && this.pos >= this.extentStart + t.extents[this.extent]!.length) {
      this.extentStart += t.extents[this.extent]!.length;
      this.extent++;
    }
    const e = t.extents[this.extent]!;
    const within = this.pos - this.extentStart;
    const len = Math.min(CHUNK, this.end - this.pos + 1, e.length - within);
    const buf = Buffer.allocUnsafe(len);
    const at = e.sector * SECTOR_SIZE + within;
    this.source.read(buf, at).then(
      (n) => {
        if (n !== len) {
          this.destroy(new IsoError(this.file, 'truncated', `reading ${t.path}: the image ended after ${n} of ${len} bytes`, at));
          return;
        }
        this.pos += len;
        this.push(buf);
      },
      (err: unknown) => this.destroy(new IsoError(this.file, 'io', `reading ${t.path}: ${err instanceof Error ? err.message : String(err)}`, at, { cause: err })),
    );
  }
}
