import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BootPlan } from '../../shared/api.ts';
import { MemoryImage, type MemoryTree } from '../../../test/support/memory-image.ts';
import { inspectSignedChain } from './signed-chain.ts';

/**
 * Judged on Debian's real signed binaries (shim-signed, grub-efi-amd64-signed, the d-i kernel):
 * signatures cannot be faked in a fixture, and what matters is that the real ones are read right.
 */
const SHIM = '/usr/lib/shim/shimx64.efi.signed';
const GCD = '/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed';
const GRUBNET = join(import.meta.dirname, '../../../resources/secureboot/debian/grubnetx64.efi.signed');
const KERNEL = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/linux';
const IPXE = join(import.meta.dirname, '../../../resources/ipxe/snponly.efi');
const there = [SHIM, GCD, KERNEL].every(existsSync);
const bytes = (p: string) => new Uint8Array(readFileSync(p));

const PLAN: BootPlan = { id: 'http', recipe: 'generic-linux', title: 'Live', via: 'http', kernel: '/live/vmlinuz', initrds: ['/live/initrd.img'], firmware: ['bios', 'uefi'] };

/** The kernel with its certificate table cut off and its directory entry zeroed. */
function unsigned(kernel: Uint8Array): Uint8Array {
  const copy = kernel.slice();
  const v = new DataView(copy.buffer);
  const pe = v.getUint32(0x3c, true);
  const dir = pe + 24 + 112 + 32;
  const offset = v.getUint32(dir, true);
  v.setUint32(dir, 0, true);
  v.setUint32(dir + 4, 0, true);
  return copy.subarray(0, offset);
}

describe.skipIf(!there)('inspectSignedChain on Debian\'s signed parts', () => {
  const debianLive = (over: MemoryTree = {}): MemoryImage =>
    new MemoryImage({ '/EFI/boot/bootx64.efi': bytes(SHIM), '/EFI/boot/grubx64.efi': bytes(GCD), '/live/vmlinuz': bytes(KERNEL), '/live/initrd.img': 100, ...over });

  it('takes the image\'s shim and kernel, and the bundled Debian network GRUB in place of the CD build', async () => {
    const chain = await inspectSignedChain(debianLive(), PLAN);
    expect(chain).toMatchObject({
      usable: true,
      shim: '/EFI/boot/bootx64.efi',
      vendor: 'Debian Secure Boot CA',
      bundledGrub: 'secureboot/debian/grubnetx64.efi.signed',
      grubPrefix: '/grub',
    });
    expect(chain.grub).toBeUndefined();
    expect(chain.reason).toMatch(/CD build/);
  });

  it('serves the image\'s own GRUB when it is a network build', async () => {
    const chain = await inspectSignedChain(debianLive({ '/EFI/boot/grubx64.efi': bytes(GRUBNET) }), PLAN);
    expect(chain).toMatchObject({ usable: true, grub: '/EFI/boot/grubx64.efi', grubPrefix: '/grub' });
    expect(chain.bundledGrub).toBeUndefined();
  });

  it.each<[string, MemoryTree, RegExp]>([
    ['an unsigned kernel', { '/live/vmlinuz': unsigned(bytes(KERNEL)) }, /kernel \/live\/vmlinuz is not signed/],
    ['a kernel without an EFI stub', { '/live/vmlinuz': 'not a PE file' }, /no EFI stub/],
    ['an unsigned first stage (iPXE as BOOTX64.EFI)', { '/EFI/boot/bootx64.efi': bytes(IPXE) }, /not signed by Microsoft's UEFI CA \(unsigned\)/],
    ['a GRUB signed by another vendor than the shim trusts', { '/EFI/boot/grubx64.efi': bytes(IPXE) }, /not signed by Debian Secure Boot CA/],
  ])('says why %s cannot boot with Secure Boot on', async (_what, over, why) => {
    const chain = await inspectSignedChain(debianLive(over), PLAN);
    expect(chain.usable).toBe(false);
    expect(chain.reason).toMatch(why);
  });

  it('says so when the image has no UEFI loader at all', async () => {
    const chain = await inspectSignedChain(new MemoryImage({ '/live/vmlinuz': bytes(KERNEL) }), PLAN);
    expect(chain).toEqual({ usable: false, reason: expect.stringMatching(/no EFI\/BOOT\/BOOTX64.EFI/) });
  });
});
