import type { Firmware } from '../../shared/api.ts';

/**
 * Client architecture from DHCP option 93 (RFC 4578 §2.1; codes from the IANA "Processor
 * Architecture Types" registry) and from iPXE's ${buildarch}/${platform} query parameters.
 * Code 9 is officially EBC, but much x64 UEFI firmware sends it (the RFC 4578 errata mix-up),
 * so it is read as x64 UEFI like code 7.
 */
export interface ArchInfo {
  arch: string;
  firmware: Firmware;
}

const BY_CODE: ReadonlyMap<number, ArchInfo> = new Map([
  [0, { arch: 'x86', firmware: 'bios' }],
  [6, { arch: 'i386', firmware: 'uefi' }],
  [7, { arch: 'x86_64', firmware: 'uefi' }],
  [9, { arch: 'x86_64', firmware: 'uefi' }],
  [10, { arch: 'arm32', firmware: 'uefi' }],
  [11, { arch: 'arm64', firmware: 'uefi' }],
  [15, { arch: 'i386', firmware: 'uefi' }], // x86 UEFI HTTP boot
  [16, { arch: 'x86_64', firmware: 'uefi' }], // x64 UEFI HTTP boot
  [18, { arch: 'arm32', firmware: 'uefi' }], // ARM 32 UEFI HTTP boot
  [19, { arch: 'arm64', firmware: 'uefi' }], // ARM 64 UEFI HTTP boot
  [20, { arch: 'x86', firmware: 'bios' }], // PC/AT BIOS HTTP boot
]);

export function archFromCode(code: number): ArchInfo | undefined {
  return BY_CODE.get(code);
}

/** "PXEClient:Arch:00007:UNDI:003016" → 7 (PXE spec vendor class layout). */
export function archCodeFromVendorClass(vendorClass: string): number | undefined {
  const m = /^PXEClient:Arch:(\d{5})/.exec(vendorClass);
  return m ? Number(m[1]) : undefined;
}

/** iPXE's ${platform}: "pcbios" or "efi" (also "efi" on ARM). */
export function firmwareFromPlatform(platform: string): Firmware | undefined {
  if (platform === 'pcbios') return 'bios';
  if (platform === 'efi') return 'uefi';
  return undefined;
}

export function firmwareFromString(value: string): Firmware | undefined {
  const v = value.toLowerCase();
  if (v === 'bios' || v === 'uefi') return v;
  return firmwareFromPlatform(v);
}
