/**
 * What the ISO 9660 codecs throw when bytes violate the format or a safety limit. It is a
 * RangeError (the convention for every codec here) carrying the byte offset inside the image,
 * when known, so that the file-backed reader can name the file and the place.
 */
export type IsoFormatProblem =
  | 'truncated' // fewer bytes than a structure needs
  | 'not-iso' // no ISO 9660 volume descriptor where one must be
  | 'udf' // the real content lives in a UDF file system
  | 'unsupported' // valid but outside what this reader handles (block size, …)
  | 'bad-field' // a field holds an impossible value
  | 'limit'; // a safety bound was hit (loop, depth, count, length)

export class IsoFormatError extends RangeError {
  constructor(
    readonly problem: IsoFormatProblem,
    message: string,
    /** Byte offset inside the image where the offending structure starts, when known. */
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'IsoFormatError';
  }
}

/** Throws 'truncated' unless `bytes` holds `need` bytes from `at`. */
export function requireBytes(bytes: Uint8Array, at: number, need: number, what: string, imageOffset?: number): void {
  if (at < 0 || need < 0 || at + need > bytes.byteLength) {
    throw new IsoFormatError(
      'truncated',
      `${what} needs ${need} bytes at ${at} but only ${Math.max(0, bytes.byteLength - at)} are there`,
      imageOffset,
    );
  }
}
