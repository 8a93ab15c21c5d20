import { describe, expect, it } from 'vitest';
import { archCodeFromVendorClass, archFromCode, firmwareFromPlatform, firmwareFromString } from './client-arch.ts';

describe('client architecture', () => {
  it.each([
    [0, 'x86', 'bios'],
    [6, 'i386', 'uefi'],
    [7, 'x86_64', 'uefi'],
    [9, 'x86_64', 'uefi'],
    [11, 'arm64', 'uefi'],
    [16, 'x86_64', 'uefi'],
  ] as const)('reads option 93 code %i as %s %s', (code, arch, firmware) => {
    expect(archFromCode(code)).toEqual({ arch, firmware });
  });

  it('knows nothing of unassigned codes', () => {
    expect(archFromCode(4242)).toBeUndefined();
  });

  it('reads the architecture field of a PXE vendor class', () => {
    expect(archCodeFromVendorClass('PXEClient:Arch:00007:UNDI:003016')).toBe(7);
    expect(archCodeFromVendorClass('PXEClient')).toBeUndefined();
    expect(archCodeFromVendorClass('HTTPClient:Arch:00016')).toBeUndefined();
  });

  it('reads iPXE platforms and firmware names', () => {
    expect(firmwareFromPlatform('pcbios')).toBe('bios');
    expect(firmwareFromPlatform('efi')).toBe('uefi');
    expect(firmwareFromPlatform('linux')).toBeUndefined();
    expect(firmwareFromString('UEFI')).toBe('uefi');
    expect(firmwareFromString('pcbios')).toBe('bios');
  });
});
