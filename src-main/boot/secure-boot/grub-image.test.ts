import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledNetGrubFor } from './bundled-grub.ts';
import { readGrubImage } from './grub-image.ts';

const RESOURCES = join(import.meta.dirname, '../../../resources');
const read = (p: string) => new Uint8Array(readFileSync(p));

describe('readGrubImage', () => {
  it('reads the bundled Debian network GRUB: prefix /grub, tftp but no http, and matches the table that names it', () => {
    const bundled = bundledNetGrubFor('Debian Secure Boot CA')!;
    const grub = readGrubImage(read(join(RESOURCES, bundled.file)))!;
    expect(grub.prefix).toBe('/grub');
    expect(grub.prefix).toBe(bundled.prefix);
    expect(grub.tftp).toBe(true);
    expect(grub.http).toBe(false);
    expect(grub.modules).toEqual(expect.arrayContaining(['efinet', 'linux', 'normal', 'tftp']));
    expect(grub.config).toContain('normal (memdisk)/grub.cfg');
  });

  it.skipIf(!existsSync('/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed'))('reads Debian\'s CD build as unable to reach the network', () => {
    const grub = readGrubImage(read('/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed'))!;
    expect(grub.prefix).toBe('/boot/grub');
    expect(grub.tftp).toBe(false);
    expect(grub.http).toBe(false);
  });

  it('returns null for an EFI program that is not GRUB, and for bytes that are not PE at all', () => {
    expect(readGrubImage(read(join(RESOURCES, 'ipxe/snponly.efi')))).toBeNull();
    expect(readGrubImage(new Uint8Array(100))).toBeNull();
  });
});

