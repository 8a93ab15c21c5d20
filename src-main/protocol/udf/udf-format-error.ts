/**
 * What the pure UDF decoders throw. `offset` is relative to the bytes they were given; the image
 * reader adds where those bytes came from and turns it into an IsoError naming the file.
 */
export class UdfFormatError extends Error {
  constructor(
    message: string,
    readonly offset = 0,
    readonly problem: 'corrupt' | 'unsupported' = 'corrupt',
  ) {
    super(message);
    this.name = 'UdfFormatError';
  }
}
