import { DhcpCodecError } from './dhcp-codec-error.ts';

/**
 * Encapsulated sub-options (code, length, value) as used inside options 43 (PXE), 82 (relay
 * agent, RFC 3046) and 175 (iPXE). Pad (0) is skipped and END (255) stops parsing where the
 * encapsulating spec defines them (PXE and iPXE do; RFC 3046 sub-options have neither, so
 * codes 0 and 255 are ordinary there).
 */
export type SubOptions = Map<number, Uint8Array>;

export function decodeSubOptions(data: Uint8Array, field: string, padAndEnd: boolean): SubOptions {
  const out: SubOptions = new Map();
  let i = 0;
  while (i < data.length) {
    const code = data[i]!;
    if (padAndEnd && code === 0) {
      i++;
      continue;
    }
    if (padAndEnd && code === 255) break;
    if (i + 1 >= data.length) throw new DhcpCodecError(`${field}: sub-option ${code} at offset ${i} has no length byte`, i, field);
    const length = data[i + 1]!;
    if (i + 2 + length > data.length) {
      throw new DhcpCodecError(`${field}: sub-option ${code} at offset ${i} claims ${length} bytes but only ${data.length - i - 2} remain`, i, field);
    }
    const value = data.slice(i + 2, i + 2 + length);
    const previous = out.get(code);
    if (previous) {
      const joined = new Uint8Array(previous.length + value.length);
      joined.set(previous);
      joined.set(value, previous.length);
      out.set(code, joined);
    } else out.set(code, value);
    i += 2 + length;
  }
  return out;
}

export function encodeSubOptions(subs: Iterable<[number, Uint8Array]>, field: string, withEnd: boolean): Uint8Array {
  const parts: number[] = [];
  for (const [code, value] of subs) {
    if (!Number.isInteger(code) || code < 0 || code > 255 || (withEnd && (code === 0 || code === 255))) {
      throw new DhcpCodecError(`${field}: sub-option code ${code} cannot be encoded`, parts.length, field);
    }
    if (value.length > 255) throw new DhcpCodecError(`${field}: sub-option ${code} is ${value.length} bytes; at most 255 fit`, parts.length, field);
    parts.push(code, value.length, ...value);
  }
  if (withEnd) parts.push(255);
  return Uint8Array.from(parts);
}
