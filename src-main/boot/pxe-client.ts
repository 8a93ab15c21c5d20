import type { Firmware } from '../shared/api.ts';
import { DhcpCodecError } from '../protocol/dhcp/dhcp-codec-error.ts';
import { IpxeSubOption } from '../protocol/dhcp/option-codes.ts';
import { macOf, type DhcpPacket } from '../protocol/dhcp/packet.ts';
import { formatUuid, Opt, readOption } from '../protocol/dhcp/typed-options.ts';

/**
 * Who is asking: classification of a DHCP request into what the boot policy needs
 * (architecture, firmware, iPXE or not), and the first-stage loader for it.
 */

/** IANA "Processor Architecture Types" (RFC 4578 §2.1 and later registrations). */
const ARCHITECTURES: Record<number, { name: string; firmware: Firmware; http?: boolean }> = {
  0: { name: 'x86 BIOS', firmware: 'bios' },
  1: { name: 'NEC/PC98', firmware: 'unknown' },
  2: { name: 'EFI Itanium', firmware: 'uefi' },
  3: { name: 'DEC Alpha', firmware: 'unknown' },
  4: { name: 'Arc x86', firmware: 'unknown' },
  5: { name: 'Intel Lean Client', firmware: 'unknown' },
  6: { name: 'EFI IA32', firmware: 'uefi' },
  7: { name: 'EFI BC (x86-64)', firmware: 'uefi' },
  8: { name: 'EFI Xscale', firmware: 'uefi' },
  9: { name: 'EFI x86-64', firmware: 'uefi' },
  10: { name: 'ARM 32-bit UEFI', firmware: 'uefi' },
  11: { name: 'ARM 64-bit UEFI', firmware: 'uefi' },
  12: { name: 'PowerPC Open Firmware', firmware: 'unknown' },
  13: { name: 'PowerPC ePAPR', firmware: 'unknown' },
  14: { name: 'POWER OPAL v3', firmware: 'unknown' },
  15: { name: 'x86 UEFI HTTP boot', firmware: 'uefi', http: true },
  16: { name: 'x64 UEFI HTTP boot', firmware: 'uefi', http: true },
  17: { name: 'EBC UEFI HTTP boot', firmware: 'uefi', http: true },
  18: { name: 'ARM 32-bit UEFI HTTP boot', firmware: 'uefi', http: true },
  19: { name: 'ARM 64-bit UEFI HTTP boot', firmware: 'uefi', http: true },
  20: { name: 'x86 BIOS HTTP boot', firmware: 'bios', http: true },
  21: { name: 'ARM 32-bit U-Boot', firmware: 'unknown' },
  22: { name: 'ARM 64-bit U-Boot', firmware: 'unknown' },
  23: { name: 'ARM 32-bit U-Boot HTTP', firmware: 'unknown', http: true },
  24: { name: 'ARM 64-bit U-Boot HTTP', firmware: 'unknown', http: true },
  25: { name: 'RISC-V 32-bit UEFI', firmware: 'uefi' },
  26: { name: 'RISC-V 32-bit UEFI HTTP boot', firmware: 'uefi', http: true },
  27: { name: 'RISC-V 64-bit UEFI', firmware: 'uefi' },
  28: { name: 'RISC-V 64-bit UEFI HTTP boot', firmware: 'uefi', http: true },
  29: { name: 'RISC-V 128-bit UEFI', firmware: 'uefi' },
  30: { name: 'RISC-V 128-bit UEFI HTTP boot', firmware: 'uefi', http: true },
  31: { name: 's390 Basic', firmware: 'unknown' },
  32: { name: 's390 Extended', firmware: 'unknown' },
  33: { name: 'MIPS 32-bit UEFI', firmware: 'uefi' },
  34: { name: 'MIPS 64-bit UEFI', firmware: 'uefi' },
  35: { name: 'Sunway 32-bit UEFI', firmware: 'uefi' },
  36: { name: 'Sunway 64-bit UEFI', firmware: 'uefi' },
  37: { name: 'LoongArch 32-bit UEFI', firmware: 'uefi' },
  38: { name: 'LoongArch 32-bit UEFI HTTP boot', firmware: 'uefi', http: true },
  39: { name: 'LoongArch 64-bit UEFI', firmware: 'uefi' },
  40: { name: 'LoongArch 64-bit UEFI HTTP boot', firmware: 'uefi', http: true },
  41: { name: 'ARM rpiboot', firmware: 'unknown' },
};

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

/** Architecture name for logs; "unknown architecture 4711" for unregistered numbers. */
export function architectureName(arch: number | null): string {
  if (arch === null) return 'no architecture option (93)';
  return ARCHITECTURES[arch]?.name ?? `unknown architecture ${arch}`;
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
  let arch: number | null = archList?.[0] ?? null;
  if (arch === null && vendorClass) {
    const m = /^(?:PXEClient|HTTPClient):Arch:(\d{5})/.exec(vendorClass);
    if (m) arch = Number(m[1]);
  }
  const known = arch === null ? undefined : ARCHITECTURES[arch];
  const info: PxeClientInfo = {
    mac: macOf(packet),
    arch,
    archName: architectureName(arch),
    firmware: known?.firmware ?? 'unknown',
    ipxe: userClass.includes('iPXE') || options.has(175),
    pxeClient: vendorClass?.startsWith('PXEClient') ?? false,
    httpClient: vendorClass?.startsWith('HTTPClient') ?? false,
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

/** Whether option 175 carries a given iPXE feature, e.g. IpxeSubOption.BUS_ID. */
export function hasIpxeFeature(info: PxeClientInfo, sub: number = IpxeSubOption.BUS_ID): boolean {
  return info.ipxeFeatures.includes(sub);
}

export type EfiLoader = 'ipxe.efi' | 'snponly.efi';

export type FirstStageChoice =
  | { loader: string; transport: 'tftp' | 'http'; reason: string }
  | { loader: null; reason: string };

/**
 * The first program a non-iPXE PXE ROM downloads: an iPXE build for its firmware, which then
 * asks DHCP again (as iPXE) and fetches the boot script over HTTP.
 * - BIOS: undionly.kpxe (uses the ROM's UNDI driver, so it works on every NIC).
 * - x86-64 UEFI (7 and 9, which EDK2 and most vendors use interchangeably): ipxe.efi with its
 *   own NIC drivers, or snponly.efi which uses the firmware's SNP driver (safer on odd NICs).
 * - x64 UEFI HTTP boot (16): the same EFI binary, fetched over HTTP by the firmware.
 * Everything else gets no loader and a reason, never a loader for the wrong CPU.
 */
export function chooseFirstStageLoader(info: PxeClientInfo, efiLoader: EfiLoader = 'ipxe.efi'): FirstStageChoice {
  switch (info.arch) {
    case 0:
      return { loader: 'undionly.kpxe', transport: 'tftp', reason: 'x86 BIOS PXE ROM: iPXE on the ROM\'s UNDI driver' };
    case 7:
    case 9:
      return { loader: efiLoader, transport: 'tftp', reason: `${info.archName} firmware: iPXE for x86-64 UEFI (${efiLoader})` };
    case 16:
      return { loader: efiLoader, transport: 'http', reason: 'x64 UEFI HTTP boot: the firmware downloads iPXE by HTTP' };
    case null:
      if (info.pxeClient || info.httpClient) {
        return { loader: null, reason: `the client (${info.vendorClass}) sent no architecture (option 93); not guessing a loader` };
      }
      return { loader: null, reason: 'not a network-boot client (no option 93, no PXEClient vendor class)' };
    default:
      return { loader: null, reason: `no first-stage loader is bundled for ${info.archName} (option 93 = ${info.arch}); supported: 0 (BIOS), 7/9 (x86-64 UEFI), 16 (x64 UEFI HTTP)` };
  }
}
