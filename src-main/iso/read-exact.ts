import type { ByteSource } from './byte-source.ts';
import { IsoError } from './iso-error.ts';

/** Bytes [position, position+length) of the image; anything short names the file and the place. */
export async function readExact(source: ByteSource, file: string, position: number, length: number, what: string): Promise<Uint8Array> {
  if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0 || position + length > source.size) {
    throw new IsoError(
      file,
      position > source.size ? 'corrupt' : 'truncated',
      `${what} (${length} bytes at byte ${position}) lies beyond the end of the image (${source.size} bytes)`,
    );
  }
  const buf = new Uint8Array(length);
  const n = await source.read(buf, position);
  if (n !== length) throw new IsoError(file, 'truncated', `${what}: the file ended after ${n} of ${length} bytes`, position);
  return buf;
}
