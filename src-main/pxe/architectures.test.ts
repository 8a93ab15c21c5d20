import { describe, expect, it } from 'vitest';
import { archCodeFromVendorClass, architecture, architectureName, firmwareFromPlatform } from './architectures.ts';

describe('architecture table', () => {
  it.each([
    [0, 'x86', 'bios'],
    [6, 'i386', 'uefi'],
    [7, 'x86_64', 'uefi'],
    [9, 'x86_64', 'uefi'],
    [11, 'arm64', 'uefi'],
    [16, 'x86_64', 'uefi'],
    [19, 'arm64', 'uefi'],
  ] as const)('reads option 93 code %i as %s %s', (code, cpu, firmware) => {
    expect(architecture(code)).toMatchObject({ cpu, firmware });
  });

  it('knows nothing of unassigned codes, and names them so in logs', () => {
    expect(architecture(4242)).toBeUndefined();
    expect(architectureName(4242)).toBe('unknown architecture 4242');
    expect(architectureName(null)).toBe('no architecture option (93)');
  });

  it('reads the architecture field of a PXE or UEFI HTTP boot vendor class', () => {
    expect(archCodeFromVendorClass('PXEClient:Arch:00007:UNDI:003016')).toBe(7);
    expect(archCodeFromVendorClass('HTTPClient:Arch:00016:UNDI:003001')).toBe(16);
    expect(archCodeFromVendorClass('PXEClient')).toBeUndefined();
    expect(archCodeFromVendorClass('MSFT 5.0')).toBeUndefined();
  });

  it('reads iPXE platforms', () => {
    expect(firmwareFromPlatform('pcbios')).toBe('bios');
    expect(firmwareFromPlatform('efi')).toBe('uefi');
    expect(firmwareFromPlatform('linux')).toBeUndefined();
  });
});
