import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { NEWC_MAX_FILE_BYTES, entryHeader, entryPadding, trailer } from '../protocol/cpio/newc.ts';
import type { ServedFile } from '../servers/file-source.ts';

/**
 * A newc cpio archive that holds the whole image file at `/<name>`, generated while it is
 * streamed: header, the image's bytes read from disk, padding, trailer. Nothing is copied; any
 * byte range can be served (HTTP Range, TFTP blocks), so the size is exact before the first byte.
 */
export async function isoInInitrdFile(imagePath: string, name: string): Promise<ServedFile | null> {
  const s = await stat(imagePath).catch(() => null);
  if (!s?.isFile()) return null;
  if (s.size > NEWC_MAX_FILE_BYTES) return null;
  const segments: Segment[] = [
    bytes(entryHeader({ name, mode: 0o100444, size: s.size, mtime: Math.floor(s.mtimeMs / 1000), ino: 1 })),
    { size: s.size, open: (start, end) => createReadStream(imagePath, { start, end }) },
    bytes(entryPadding(s.size)),
    bytes(trailer()),
  ];
  return {
    size: segments.reduce((n, g) => n + g.size, 0),
    contentType: 'application/octet-stream',
    mtime: s.mtime,
    createReadStream: (start, endInclusive) => Readable.from(concatRange(segments, start, endInclusive)),
  };
}

interface Segment {
  size: number;
  /** Bytes [start, endInclusive] of this segment, both within it. */
  open(start: number, endInclusive: number): Readable;
}

function bytes(data: Uint8Array): Segment {
  return { size: data.byteLength, open: (start, end) => Readable.from([Buffer.from(data.buffer, data.byteOffset + start, end - start + 1)]) };
}

/** Yields bytes [start, endInclusive] of the concatenated segments, opening only those the range touches. */
export async function* concatRange(segments: readonly Segment[], start: number, endInclusive: number): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const seg of segments) {
    const segEnd = offset + seg.size - 1;
    if (seg.size > 0 && endInclusive >= offset && start <= segEnd) {
      const from = Math.max(start, offset) - offset;
      const to = Math.min(endInclusive, segEnd) - offset;
      for await (const chunk of seg.open(from, to)) yield chunk as Buffer;
    }
    offset += seg.size;
    if (offset > endInclusive) break;
  }
}
