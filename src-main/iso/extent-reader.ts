// Positioned reads of one ISO file out of its extents (ExtentReader) and the extent sanity check.
import type { ByteSource } from './byte-source.ts';
import type { StreamTarget } from './extent-stream.ts';
import { IsoError } from './iso-error.ts';
import { extentOffset } from './iso-entry.ts';

/**
 * Refuses a file whose recorded data lies past the end of the image (a corrupt or truncated
 * image) before any of it is served; returns how many bytes its extents hold.
 */
export function checkExtents(source: ByteSource, file: string, t: StreamTarget): number {
  let total = 0;
  for (const e of t.extents) {
    if (!e.sparse && extentOffset(e) + e.length > source.size) {
      throw new IsoError(file, 'corrupt', `data of ${t.path} (${e.length} bytes at sector ${e.sector}) lies beyond the end of the image (${source.size} bytes)`, extentOffset(e));
    }
    total += e.length;
  }
  return total;
}

/**
 * Positioned reads of one file out of its extents into the caller's buffer (HTTP bodies read
 * into a few reused buffers). Sparse extents read as zeros. Sequential reads find their extent
 * from where the last one ended, so walking a multi-extent file stays O(1) per read.
 */
export class ExtentReader {
  private readonly end: number; // file offset one past the last readable byte
  private extent = 0;
  private extentStart = 0; // file offset where extents[extent] begins

  constructor(
    private readonly source: ByteSource,
    private readonly file: string,
    private readonly target: StreamTarget,
  ) {
    this.end = Math.min(target.size, checkExtents(source, file, target));
  }

  /** Fills `dest` from file offset `position`; returns the bytes there were (fewer only at the file's end or the image's). */
  async read(dest: Uint8Array, position: number): Promise<number> {
    const { extents } = this.target;
    // A local cursor: reads may run concurrently (one ahead of another), each walks on its own.
    let [idx, idxStart] = position >= this.extentStart ? [this.extent, this.extentStart] : [0, 0];
    let done = 0;
    while (done < dest.byteLength && position + done < this.end) {
      const at = position + done;
      while (idx < extents.length && at >= idxStart + extents[idx]!.length) idxStart += extents[idx++]!.length;
      [this.extent, this.extentStart] = [idx, idxStart];
      const e = extents[idx]!;
      const within = at - idxStart;
      const piece = dest.subarray(done, done + Math.min(dest.byteLength - done, this.end - at, e.length - within));
      if (e.sparse) {
        piece.fill(0);
        done += piece.byteLength;
        continue;
      }
      const n = await this.source.read(piece, extentOffset(e) + within);
      done += n;
      if (n < piece.byteLength) break; // the image itself ended (truncated while open)
    }
    return done;
  }

  async close(): Promise<void> {}
}
