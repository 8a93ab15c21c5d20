import { describe, expect, it } from 'vitest';
import { isLocallyAdministered, lookupMacVendor } from './mac-vendor.ts';

describe('lookupMacVendor', () => {
  it.each([
    ['52:54:00:12:34:56', 'QEMU/KVM'],
    ['08-00-27-AA-BB-CC', 'VirtualBox'],
    ['005056abcdef', 'VMware'],
    ['00:0C:29:01:02:03', 'VMware'],
    ['00:15:5d:01:02:03', 'Microsoft Hyper-V'],
    ['00:1b:21:01:02:03', 'Intel'],
    ['00:e0:4c:68:00:01', 'Realtek'],
    ['00:10:18:01:02:03', 'Broadcom'],
  ])('names %s as %s', (mac, vendor) => {
    expect(lookupMacVendor(mac)).toBe(vendor);
  });

  it('knows nothing of other OUIs or of non-MACs', () => {
    expect(lookupMacVendor('02:00:00:00:00:01')).toBeUndefined();
    expect(lookupMacVendor('ff:ff:ff:ff:ff:ff')).toBeUndefined();
    expect(lookupMacVendor('52:54:00')).toBeUndefined();
  });

  it('tells locally administered MACs', () => {
    expect(isLocallyAdministered('52:54:00:12:34:56')).toBe(true);
    expect(isLocallyAdministered('02:00:00:00:00:01')).toBe(true);
    expect(isLocallyAdministered('00:1b:21:01:02:03')).toBe(false);
  });
});
