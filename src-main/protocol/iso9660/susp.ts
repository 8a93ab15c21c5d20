import { IsoFormatError } from './iso-format-error.ts';
import { both32 } from './fields.ts';

/**
 * System Use Sharing Protocol (IEEE P1281, SUSP 1.12): the system use area of a directory
 * record is a sequence of entries "SIG(2) LEN(1) VER(1) DATA(LEN-4)".
 */
export interface SuspEntry {
  signature: string;
  version: number;
  /** Entry payload after the 4-byte header (a view into the input). */
  data: Uint8Array;
}

/** SUSP §5.1 CE: the entries continue in another area ("continuation area"). */
export interface Continuation {
  sector: number;
  offset: number;
  length: number;
}

export interface SuspArea {
  entries: SuspEntry[];
  continuation?: Continuation;
  /** SUSP §5.3 SP: present only in the root's "." record; LEN_SKP bytes to skip in every other record. */
  sp?: { skip: number };
}

/**
 * Splits one area (a record's system use field after `skip` bytes, or a continuation area)
 * into entries. Stops at ST (§5.4), at the end, or at a header too short to be an entry
 * (some writers leave a zero pad byte). An entry claiming more bytes than remain is an error.
 */
export function parseSuspArea(area: Uint8Array, skip = 0, imageOffset?: number): SuspArea {
  const out: SuspArea = { entries: [] };
  let at = skip;
  while (at + 4 <= area.byteLength) {
    const len = area[at + 2]!;
    const sig = String.fromCharCode(area[at]!, area[at + 1]!);
    if (len < 4) {
      if (len === 0 && area[at] === 0) break; // zero padding at the end of the area
      throw new IsoFormatError('bad-field', `system use entry "${printable(sig)}" has length ${len} (minimum 4)`, off(imageOffset, at));
    }
    if (at + len > area.byteLength) {
      throw new IsoFormatError(
        'bad-field',
        `system use entry "${printable(sig)}" of ${len} bytes runs past its area (${area.byteLength - at} bytes left)`,
        off(imageOffset, at),
      );
    }
    const data = area.subarray(at + 4, at + len);
    const version = area[at + 3]!;
    if (sig === 'ST') break;
    if (sig === 'CE') {
      if (len < 28) throw new IsoFormatError('bad-field', `CE entry of ${len} bytes (needs 28)`, off(imageOffset, at));
      out.continuation = { sector: both32(data, 0), offset: both32(data, 8), length: both32(data, 16) };
    } else if (sig === 'SP') {
      if (len >= 7 && data[0] === 0xbe && data[1] === 0xef) out.sp = { skip: data[2]! };
    } else if (sig !== 'PD') {
      out.entries.push({ signature: sig, version, data });
    }
    at += len;
  }
  return out;
}

function off(base: number | undefined, at: number): number | undefined {
  return base === undefined ? undefined : base + at;
}

function printable(sig: string): string {
  return /^[\x20-\x7e]{2}$/.test(sig) ? sig : `0x${[...sig].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`;
}
