import { NatError } from './nat-errors.ts';

export interface Ipv4Cidr {
  /** Network address with host bits cleared, dotted quad. */
  network: string;
  prefixLength: number;
  /** `network/prefixLength`. */
  text: string;
}

function parseDottedQuad(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

function formatDottedQuad(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Parses "198.18.0.1/24" into its network 198.18.0.0/24: the engine may pass the PXE interface's
 * own address, and a masquerade rule must name the subnet. Rejects anything that is not plain
 * IPv4 CIDR, because the text ends up inside firewall rules.
 */
export function parseIpv4Cidr(text: string): Ipv4Cidr {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  const address = m ? parseDottedQuad(m[1]!) : undefined;
  const prefixLength = m ? Number(m[2]) : NaN;
  if (address === undefined || !(prefixLength >= 1 && prefixLength <= 32)) {
    throw new NatError(`LAN subnet "${text}" is not an IPv4 CIDR like 198.18.0.0/24 (prefix 1–32)`, 'invalid');
  }
  const size = 2 ** (32 - prefixLength);
  const network = address - (address % size);
  const networkText = formatDottedQuad(network);
  return { network: networkText, prefixLength, text: `${networkText}/${prefixLength}` };
}
