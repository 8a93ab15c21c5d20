import type { Firmware } from '../shared/api.ts';

/**
 * The one architecture table: DHCP option 93 codes (RFC 4578 §2.1 and the IANA "Processor
 * Architecture Types" registry) → a name for logs, the CPU family the UI shows, the firmware
 * kind, and whether the firmware fetches its loader over HTTP. Also reads the architecture
 * other places state it: the PXE vendor class and iPXE's ${platform}.
 */
export interface ArchitectureInfo {
  /** The registry's description, for logs. */
  name: string;
  /** Short CPU family the client list shows (x86, x86_64, arm64, …). */
  cpu: string;
  firmware: Firmware;
  http?: boolean;
}

/**
 * Code 9 is officially "EFI x86-64" after RFC 4578's errata swapped 7 and 9; firmware sends
 * either for x64 UEFI, so both read as x86_64.
 */
const ARCHITECTURES: Readonly<Record<number, ArchitectureInfo>> = {
  0: { name: 'x86 BIOS', cpu: 'x86', firmware: 'bios' },
  1: { name: 'NEC/PC98', cpu: 'pc98', firmware: 'unknown' },
  2: { name: 'EFI Itanium', cpu: 'ia64', firmware: 'uefi' },
  3: { name: 'DEC Alpha', cpu: 'alpha', firmware: 'unknown' },
  4: { name: 'Arc x86', cpu: 'x86', firmware: 'unknown' },
  5: { name: 'Intel Lean Client', cpu: 'x86', firmware: 'unknown' },
  6: { name: 'EFI IA32', cpu: 'i386', firmware: 'uefi' },
  7: { name: 'EFI BC (x86-64)', cpu: 'x86_64', firmware: 'uefi' },
  8: { name: 'EFI Xscale', cpu: 'xscale', firmware: 'uefi' },
  9: { name: 'EFI x86-64', cpu: 'x86_64', firmware: 'uefi' },
  10: { name: 'ARM 32-bit UEFI', cpu: 'arm32', firmware: 'uefi' },
  11: { name: 'ARM 64-bit UEFI', cpu: 'arm64', firmware: 'uefi' },
  12: { name: 'PowerPC Open Firmware', cpu: 'ppc', firmware: 'unknown' },
  13: { name: 'PowerPC ePAPR', cpu: 'ppc', firmware: 'unknown' },
  14: { name: 'POWER OPAL v3', cpu: 'ppc64', firmware: 'unknown' },
  15: { name: 'x86 UEFI HTTP boot', cpu: 'i386', firmware: 'uefi', http: true },
  16: { name: 'x64 UEFI HTTP boot', cpu: 'x86_64', firmware: 'uefi', http: true },
  17: { name: 'EBC UEFI HTTP boot', cpu: 'ebc', firmware: 'uefi', http: true },
  18: { name: 'ARM 32-bit UEFI HTTP boot', cpu: 'arm32', firmware: 'uefi', http: true },
  19: { name: 'ARM 64-bit UEFI HTTP boot', cpu: 'arm64', firmware: 'uefi', http: true },
  20: { name: 'x86 BIOS HTTP boot', cpu: 'x86', firmware: 'bios', http: true },
  21: { name: 'ARM 32-bit U-Boot', cpu: 'arm32', firmware: 'unknown' },
  22: { name: 'ARM 64-bit U-Boot', cpu: 'arm64', firmware: 'unknown' },
  23: { name: 'ARM 32-bit U-Boot HTTP', cpu: 'arm32', firmware: 'unknown', http: true },
  24: { name: 'ARM 64-bit U-Boot HTTP', cpu: 'arm64', firmware: 'unknown', http: true },
  25: { name: 'RISC-V 32-bit UEFI', cpu: 'riscv32', firmware: 'uefi' },
  26: { name: 'RISC-V 32-bit UEFI HTTP boot', cpu: 'riscv32', firmware: 'uefi', http: true },
  27: { name: 'RISC-V 64-bit UEFI', cpu: 'riscv64', firmware: 'uefi' },
  28: { name: 'RISC-V 64-bit UEFI HTTP boot', cpu: 'riscv64', firmware: 'uefi', http: true },
  29: { name: 'RISC-V 128-bit UEFI', cpu: 'riscv128', firmware: 'uefi' },
  30: { name: 'RISC-V 128-bit UEFI HTTP boot', cpu: 'riscv128', firmware: 'uefi', http: true },
  31: { name: 's390 Basic', cpu: 's390', firmware: 'unknown' },
  32: { name: 's390 Extended', cpu: 's390x', firmware: 'unknown' },
  33: { name: 'MIPS 32-bit UEFI', cpu: 'mips32', firmware: 'uefi' },
  34: { name: 'MIPS 64-bit UEFI', cpu: 'mips64', firmware: 'uefi' },
  35: { name: 'Sunway 32-bit UEFI', cpu: 'sw32', firmware: 'uefi' },
  36: { name: 'Sunway 64-bit UEFI', cpu: 'sw64', firmware: 'uefi' },
  37: { name: 'LoongArch 32-bit UEFI', cpu: 'loongarch32', firmware: 'uefi' },
  38: { name: 'LoongArch 32-bit UEFI HTTP boot', cpu: 'loongarch32', firmware: 'uefi', http: true },
  39: { name: 'LoongArch 64-bit UEFI', cpu: 'loongarch64', firmware: 'uefi' },
  40: { name: 'LoongArch 64-bit UEFI HTTP boot', cpu: 'loongarch64', firmware: 'uefi', http: true },
  41: { name: 'ARM rpiboot', cpu: 'arm', firmware: 'unknown' },
};

export function architecture(code: number | null | undefined): ArchitectureInfo | undefined {
  return code === null || code === undefined ? undefined : ARCHITECTURES[code];
}

/** Architecture name for logs; "unknown architecture 4711" for unregistered numbers. */
export function architectureName(code: number | null): string {
  if (code === null) return 'no architecture option (93)';
  return ARCHITECTURES[code]?.name ?? `unknown architecture ${code}`;
}

/**
 * "PXEClient:Arch:00007:UNDI:003016" → 7: the vendor class layout of PXE 2.1 §2.2.1, which
 * UEFI HTTP boot copies with "HTTPClient".
 */
export function archCodeFromVendorClass(vendorClass: string | undefined): number | undefined {
  const m = vendorClass ? /^(?:PXEClient|HTTPClient):Arch:(\d{5})/.exec(vendorClass) : null;
  return m ? Number(m[1]) : undefined;
}

/** iPXE's ${platform}: "pcbios" or "efi" (also "efi" on ARM). */
export function firmwareFromPlatform(platform: string | undefined): Exclude<Firmware, 'unknown'> | undefined {
  if (platform === 'pcbios') return 'bios';
  if (platform === 'efi') return 'uefi';
  return undefined;
}
