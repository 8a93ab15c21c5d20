import type { Firmware } from '../shared/api.ts';
import { macFromBytes } from '../shared/mac.ts';
import { DhcpCodecError } from '../protocol/dhcp/dhcp-codec-error.ts';
import type { DhcpPacket } from '../protocol/dhcp/packet.ts';
import { formatUuid, Opt, readOption } from '../protocol/dhcp/typed-options.ts';
import { archCodeFromVendorClass, architecture, architectureName } from './architectures.ts';

/**
 * Who is asking: the one classification of a DHCP request (PXE or not, firmware, architecture,
 * iPXE and its features). The DHCP server runs it once per packet and passes the verdict on;
 * nothing downstream re-derives it.
 */

export interface PxeClientInfo {
  /** Lowercase colon-separated MAC from chaddr. */
  mac: string;
  /** Option 93's first (preferred) type; null when absent. */
  arch: number | null;
  archName: string;
  firmware: Firmware;
  /** Running iPXE: option 77 contains "iPXE" or option 175 is present. */
  ipxe: boolean;
  /** Option 60 verbatim, when sent. */
  vendorClass?: string;
  /** Option 60 starts with "PXEClient" (PXE 2.1 §2.2.1). */
  pxeClient: boolean;
  /** Option 60 starts with "HTTPClient" (UEFI 2.5+ HTTP boot). */
  httpClient: boolean;
  /** Network-boot firmware or iPXE: PXEClient, HTTPClient or iPXE. Anything else is an ordinary DHCP client. */
  pxe: boolean;
  userClass: string[];
  /** Option 97 as a UUID, when present and well-formed. */
  uuid?: string;
  hostname?: string;
  /** Option 94: UNDI version, e.g. "2.1". */
  undiVersion?: string;
  /** Sub-option codes of option 175 (iPXE feature flags), when present. */
  ipxeFeatures: number[];
  /** Options that were present but malformed (the client is still classified from the rest). */
  problems: string[];
}

/**
 * Reads a decoded request. Never throws for malformed options: they are listed in `problems`
 * (a client with a broken option 97 must still boot).
 */
export function classifyClient(packet: DhcpPacket): PxeClientInfo {
  const problems: string[] = [];
  function safe<T>(read: () => T | undefined): T | undefined {
    try {
      return read();
    } catch (err) {
      if (err instanceof DhcpCodecError) {
        problems.push(err.message);
        return undefined;
      }
      throw err;
    }
  }
  const options = packet.options;
  const archList = safe(() => readOption(options, Opt.clientArch));
  const vendorClass = safe(() => readOption(options, Opt.vendorClass));
  const userClass = safe(() => readOption(options, Opt.userClass)) ?? [];
  const ipxeOptions = safe(() => readOption(options, Opt.ipxe));
  const uuid = safe(() => readOption(options, Opt.clientUuid));
  const ndi = safe(() => readOption(options, Opt.clientNdi));
  const hostname = safe(() => readOption(options, Opt.hostname));
  // Option 60 "PXEClient:Arch:00007:UNDI:003016" also encodes the architecture; use it when 93 is missing.
  const arch: number | null = archList?.[0] ?? archCodeFromVendorClass(vendorClass) ?? null;
  const known = architecture(arch);
  const ipxe = userClass.includes('iPXE') || options.has(175);
  const pxeClient = vendorClass?.startsWith('PXEClient') ?? false;
  const httpClient = vendorClass?.startsWith('HTTPClient') ?? false;
  const info: PxeClientInfo = {
    mac: macFromBytes(packet.chaddr, packet.hlen),
    arch,
    archName: architectureName(arch),
    firmware: known?.firmware ?? 'unknown',
    ipxe,
    pxeClient,
    httpClient,
    pxe: pxeClient || httpClient || ipxe,
    userClass,
    ipxeFeatures: ipxeOptions ? [...ipxeOptions.keys()] : [],
    problems,
  };
  if (vendorClass !== undefined) info.vendorClass = vendorClass;
  if (uuid && uuid.type === 0) info.uuid = formatUuid(uuid.id);
  if (ndi) info.undiVersion = `${ndi.major}.${ndi.minor}`;
  if (hostname !== undefined) info.hostname = hostname;
  return info;
}
