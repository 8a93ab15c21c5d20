/**
 * The Range request header (RFC 9110 §14), for a single byte range. What a server does with the
 * answer: 'none' → 200 with the whole file; 'range' → 206 with Content-Range; 'unsatisfiable'
 * → 416 with `Content-Range: bytes *\/size`.
 *
 * Several ranges ("bytes=0-1,5-6") are answered with the whole file: RFC 9110 §14.2 lets a
 * server ignore Range, and no boot loader asks for multipart/byteranges. A syntactically invalid
 * header is ignored too (§14.2: "MUST ignore a Range header field … that it does not understand").
 */
export type ByteRange =
  | { readonly kind: 'none' }
  | { readonly kind: 'range'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const NONE: ByteRange = { kind: 'none' };
const UNSATISFIABLE: ByteRange = { kind: 'unsatisfiable' };

export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return NONE;
  const match = /^\s*bytes\s*=\s*(.*?)\s*$/i.exec(header);
  if (!match) return NONE;
  const spec = match[1]!;
  if (spec.includes(',')) return NONE;
  const parts = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!parts) return NONE;
  const [, first, last] = parts as unknown as [string, string, string];
  // More than 15 digits cannot be an offset into any real file and would lose precision.
  if (first.length > 15 || last.length > 15) return NONE;
  if (first === '' && last === '') return NONE;
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'range', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return NONE;
  if (start >= size) return UNSATISFIABLE;
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'range', start, end };
}
