/**
 * Netascii encoding for TFTP "netascii" mode (RFC 1350 refers to RFC 764): a line end is CR LF
 * and a bare CR is sent as CR NUL. The encoder is incremental because files stream through it
 * in chunks; it keeps no state across chunks because each input byte maps to its output
 * independently (LF → CR LF, CR → CR NUL, anything else unchanged).
 */
export function encodeNetascii(chunk: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < chunk.byteLength; i++) {
    const b = chunk[i]!;
    if (b === 0x0a || b === 0x0d) extra++;
  }
  if (extra === 0) return chunk;
  const out = new Uint8Array(chunk.byteLength + extra);
  let o = 0;
  for (let i = 0; i < chunk.byteLength; i++) {
    const b = chunk[i]!;
    if (b === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    } else if (b === 0x0d) {
      out[o++] = 0x0d;
      out[o++] = 0x00;
    } else {
      out[o++] = b;
    }
  }
  return out;
}

/**
 * The inverse, for tests and clients: CR LF → LF, CR NUL → CR. `pendingCr` carries a CR that
 * ended the previous chunk. Returns the decoded bytes and whether this chunk ended on a CR.
 */
export function decodeNetascii(chunk: Uint8Array, pendingCr = false): { bytes: Uint8Array; pendingCr: boolean } {
  const out = new Uint8Array(chunk.byteLength + 1);
  let o = 0;
  let cr = pendingCr;
  for (let i = 0; i < chunk.byteLength; i++) {
    const b = chunk[i]!;
    if (cr) {
      cr = false;
      if (b === 0x0a) { out[o++] = 0x0a; continue; }
      if (b === 0x00) { out[o++] = 0x0d; continue; }
      throw new RangeError(`netascii: CR followed by 0x${b.toString(16).padStart(2, '0')} at offset ${i}; only CR LF and CR NUL are valid`);
    }
    if (b === 0x0d) cr = true;
    else out[o++] = b;
  }
  return { bytes: out.subarray(0, o), pendingCr: cr };
}
