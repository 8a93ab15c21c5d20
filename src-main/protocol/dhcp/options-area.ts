import { DhcpCodecError } from './dhcp-codec-error.ts';
import { DhcpOption } from './option-codes.ts';

/**
 * DHCP options, generically: an ordered map from option code to its value bytes. Decoding walks
 * the options field, then (per option 52, RFC 2131 §4.1) the `file` field, then `sname`, and
 * concatenates every repeated instance of a code in that order (RFC 3396 §7). Encoding splits
 * values longer than 255 bytes into consecutive instances (RFC 3396 §6) and can spill into
 * `file`/`sname` with option 52 when the options field is full.
 */
export type DhcpOptions = Map<number, Uint8Array>;

export type OptionArea = 'options' | 'file' | 'sname';

/**
 * Parses one option area (`bytes[start, end)`) and appends its options into `into`
 * (concatenating repeats). Returns the overload value if option 52 was seen (only legal in the
 * options field), else 0.
 */
export function parseOptionArea(bytes: Uint8Array, start: number, end: number, area: OptionArea, into: DhcpOptions): number {
  let overload = 0;
  let i = start;
  while (i < end) {
    const code = bytes[i]!;
    if (code === DhcpOption.PAD) {
      i++;
      continue;
    }
    if (code === DhcpOption.END) return overload;
    if (i + 1 >= end) throw new DhcpCodecError(`option ${code} at offset ${i} has no length byte: the ${area} field ends at offset ${end}`, i, area);
    const length = bytes[i + 1]!;
    const valueStart = i + 2;
    if (valueStart + length > end) {
      throw new DhcpCodecError(
        `option ${code} at offset ${i} claims ${length} bytes but only ${end - valueStart} remain in the ${area} field`, i, area);
    }
    const value = bytes.subarray(valueStart, valueStart + length);
    if (code === DhcpOption.OVERLOAD) {
      // RFC 2131 §4.1: option 52 may only appear in the options field; inside file/sname it would
      // point at itself (the "option loop" a careless parser follows forever).
      if (area !== 'options') throw new DhcpCodecError(`option 52 (overload) at offset ${i} appears inside the ${area} field; it is only allowed in the options field`, i, area);
      if (length !== 1 || value[0]! < 1 || value[0]! > 3) {
        throw new DhcpCodecError(`option 52 (overload) at offset ${i} must be 1 byte with value 1, 2 or 3; got ${length} byte(s)${length ? ` value ${value[0]}` : ''}`, i, area);
      }
      if (overload) throw new DhcpCodecError(`option 52 (overload) appears twice (second at offset ${i})`, i, area);
      overload = value[0]!;
    }
    const previous = into.get(code);
    into.set(code, previous ? concat(previous, value) : value.slice());
    i = valueStart + length;
  }
  // No END option before the area ends: tolerated (some ROMs pad with zeros and omit it), but
  // only when the last option ended exactly inside the area, which the loop guarantees.
  return overload;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** One serialised option instance (after RFC 3396 splitting). */
interface Piece {
  code: number;
  value: Uint8Array;
}

/**
 * Writes `options` into the given areas in order. Each area is `[start, end)` of `out`; every
 * used area ends with END when there is room. Values longer than 255 bytes are split, and a
 * value may also be split across an area boundary (RFC 3396 allows any split point).
 * Returns how many areas were used (1 = options field only).
 * Throws DhcpCodecError when the options do not fit.
 */
export function writeOptionAreas(out: Uint8Array, areas: readonly { start: number; end: number }[], options: Iterable<[number, Uint8Array]>): number {
  let areaIndex = 0;
  let pos = areas[0]!.start;
  const limit = () => areas[areaIndex]!.end - 1; // keep one byte for END
  const nextArea = (): boolean => {
    if (pos < areas[areaIndex]!.end) out[pos] = DhcpOption.END;
    areaIndex++;
    if (areaIndex >= areas.length) return false;
    pos = areas[areaIndex]!.start;
    return true;
  };
  for (const [code, value] of options) {
    if (!Number.isInteger(code) || code <= 0 || code >= 255) throw new DhcpCodecError(`option code ${code} cannot be encoded: codes are 1..254 (0 is pad, 255 is end)`, 0, 'options');
    const pieces: Piece[] = [];
    if (value.length === 0) pieces.push({ code, value });
    for (let off = 0; off < value.length; off += 255) pieces.push({ code, value: value.subarray(off, off + 255) });
    for (const piece of pieces) {
      let remaining = piece.value;
      do {
        let room = limit() - pos - 2;
        while (room < (remaining.length === 0 ? 0 : 1)) {
          if (!nextArea()) throw new DhcpCodecError(`options do not fit: option ${code} needs ${remaining.length + 2} more bytes`, pos, 'options');
          room = limit() - pos - 2;
        }
        const take = Math.min(room, remaining.length);
        out[pos] = code;
        out[pos + 1] = take;
        out.set(remaining.subarray(0, take), pos + 2);
        pos += 2 + take;
        remaining = remaining.subarray(take);
      } while (remaining.length > 0);
    }
  }
  if (pos < areas[areaIndex]!.end) out[pos] = DhcpOption.END;
  return areaIndex + 1;
}

/** Serialised size of `options` (with RFC 3396 splitting) plus the END byte. */
export function encodedOptionsLength(options: Iterable<[number, Uint8Array]>): number {
  let n = 1;
  for (const [, value] of options) n += value.length === 0 ? 2 : value.length + 2 * Math.ceil(value.length / 255);
  return n;
}
