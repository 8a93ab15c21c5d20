import { DhcpCodecError } from './dhcp-codec-error.ts';

/**
 * Dotted-quad IPv4 addresses as unsigned 32-bit numbers. Pure helpers shared by the codec, the
 * DHCP server's pool arithmetic and the interface helpers.
 */

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number {
  const m = QUAD.exec(text);
  if (!m) throw new RangeError(`"${text}" is not a dotted-quad IPv4 address`);
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = Number(m[i]);
    if (part > 255) throw new RangeError(`"${text}" is not an IPv4 address: ${part} > 255`);
    n = n * 256 + part;
  }
  return n;
}

export function isIpv4(text: string): boolean {
  const m = QUAD.exec(text);
  return !!m && [m[1], m[2], m[3], m[4]].every((p) => Number(p) <= 255);
}

export function formatIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function readIpv4(bytes: Uint8Array, offset: number): string {
  if (offset + 4 > bytes.length) throw new DhcpCodecError(`IPv4 address at offset ${offset} runs past the end (${bytes.length} bytes)`, offset, 'address');
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function writeIpv4(bytes: Uint8Array, offset: number, address: string): void {
  const n = parseIpv4(address);
  bytes[offset] = n >>> 24;
  bytes[offset + 1] = (n >>> 16) & 255;
  bytes[offset + 2] = (n >>> 8) & 255;
  bytes[offset + 3] = n & 255;
}

export function prefixToNetmask(prefixLength: number): number {
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) throw new RangeError(`IPv4 prefix length ${prefixLength} is outside 0..32`);
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

export function netmaskToPrefix(netmask: string): number {
  const n = parseIpv4(netmask);
  for (let prefix = 0; prefix <= 32; prefix++) if (prefixToNetmask(prefix) === n) return prefix;
  throw new RangeError(`netmask ${netmask} is not contiguous (like 255.255.255.0)`);
}

export function networkOf(address: string, prefixLength: number): number {
  return (parseIpv4(address) & prefixToNetmask(prefixLength)) >>> 0;
}

/** The subnet-directed broadcast address (all host bits set), e.g. 198.18.0.255 for 198.18.0.1/24. */
export function subnetBroadcastOf(address: string, prefixLength: number): string {
  return formatIpv4((networkOf(address, prefixLength) | ~prefixToNetmask(prefixLength)) >>> 0);
}

export function inSubnet(candidate: string, address: string, prefixLength: number): boolean {
  if (!isIpv4(candidate)) return false;
  const mask = prefixToNetmask(prefixLength);
  return ((parseIpv4(candidate) & mask) >>> 0) === networkOf(address, prefixLength);
}
