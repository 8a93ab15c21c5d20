/**
 * Every failure the ISO reader reports. The message always starts with the image file's path
 * and says what is wrong and, where it helps, what to do. `code` lets callers map failures
 * (the CLI: 'not-found' → exit 1, the rest → exit 2; the HTTP server: 404 vs 500).
 */
export type IsoErrorCode =
  | 'io' // the operating system refused (missing file, permission, EIO)
  | 'not-iso' // not an ISO 9660 image at all
  | 'udf' // content lives in UDF, which this reader does not read
  | 'truncated' // the file ends before the image does
  | 'corrupt' // a structure is malformed or points where it must not
  | 'limit' // a safety bound was hit (loop, depth, size)
  | 'unsupported' // valid but not handled (zisofs, interleaved files, odd block sizes)
  | 'not-found' // no such path inside the image
  | 'not-a-directory'
  | 'is-a-directory'
  | 'too-large' // readFile refused a file above maxBytes
  | 'closed'; // the image was closed

export class IsoError extends Error {
  constructor(
    /** Path of the image file. */
    readonly file: string,
    readonly code: IsoErrorCode,
    /** What is wrong, without the file name (which the message gets as prefix). */
    readonly detail: string,
    /** Byte offset inside the image, when the problem is at a place. */
    readonly offset?: number,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${detail}${offset !== undefined ? ` (at byte ${offset})` : ''}`, options);
    this.name = 'IsoError';
  }
}
