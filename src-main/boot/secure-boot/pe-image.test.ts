import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commonNames, readPeImage } from './pe-image.ts';

const RESOURCES = join(import.meta.dirname, '../../../resources');

/** DER bytes of one X.520 commonName attribute: OID 2.5.4.3 then a UTF8String. */
function cn(name: string): number[] {
  const text = [...new TextEncoder().encode(name)];
  return [0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, text.length, ...text];
}

/** A minimal PE32+ image: headers, one section, and a certificate table holding `certNames`. */
function peImage(o: { machine?: number; certNames?: string[]; embedded?: string[] } = {}): Uint8Array {
  const body = (o.embedded ?? []).flatMap(cn);
  const cert = (o.certNames ?? []).flatMap(cn);
  const pe = 0x40;
  const optional = pe + 24;
  const optionalSize = 112 + 16 * 8;
  const table = optional + optionalSize;
  const sectionOffset = table + 40;
  const certOffset = sectionOffset + body.length;
  const bytes = new Uint8Array(certOffset + cert.length);
  const v = new DataView(bytes.buffer);
  v.setUint16(0, 0x5a4d, true);
  v.setUint32(0x3c, pe, true);
  v.setUint32(pe, 0x4550, true);
  v.setUint16(pe + 4, o.machine ?? 0x8664, true);
  v.setUint16(pe + 6, 1, true);
  v.setUint16(pe + 20, optionalSize, true);
  v.setUint16(optional, 0x20b, true);
  v.setUint32(optional + 108, 16, true); // NumberOfRvaAndSizes
  if (cert.length) {
    v.setUint32(optional + 112 + 32, certOffset, true);
    v.setUint32(optional + 112 + 36, cert.length, true);
  }
  bytes.set(new TextEncoder().encode('.text'), table);
  v.setUint32(table + 16, body.length, true);
  v.setUint32(table + 20, sectionOffset, true);
  bytes.set(body, sectionOffset);
  bytes.set(cert, certOffset);
  return bytes;
}

describe('readPeImage', () => {
  it('reads the machine, the sections and who signed it, issuer first', () => {
    const pe = readPeImage(peImage({ certNames: ['Example CA', 'Example Signer'], embedded: ['Embedded Vendor CA'] }))!;
    expect(pe.machine).toBe(0x8664);
    expect(pe.sections.map((s) => s.name)).toEqual(['.text']);
    expect(pe.signerNames).toEqual(['Example CA', 'Example Signer']);
    expect(pe.embeddedNames).toEqual(['Embedded Vendor CA']);
  });

  it('says unsigned when there is no certificate table', () => {
    expect(readPeImage(peImage())!.signerNames).toEqual([]);
  });

  it('returns null for what is not a PE image, and never throws on a truncated one', () => {
    expect(readPeImage(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toBeNull();
    const whole = peImage({ certNames: ['Example CA'] });
    for (let n = 0; n < whole.length; n += 7) expect(() => readPeImage(whole.subarray(0, n))).not.toThrow();
  });

  it('reads the Debian signature on the bundled network GRUB', () => {
    const pe = readPeImage(new Uint8Array(readFileSync(join(RESOURCES, 'secureboot/debian/grubnetx64.efi.signed'))))!;
    expect(pe.signerNames[0]).toBe('Debian Secure Boot CA');
    expect(pe.signerNames).toContain('Debian Secure Boot Signer 2022 - grub2');
  });

  it('finds no signature on the bundled iPXE (which Secure Boot refuses)', () => {
    expect(readPeImage(new Uint8Array(readFileSync(join(RESOURCES, 'ipxe/snponly.efi'))))!.signerNames).toEqual([]);
  });
});

describe('commonNames', () => {
  it('skips names with long-form lengths or other string types instead of misreading them', () => {
    expect(commonNames(new Uint8Array([0x06, 0x03, 0x55, 0x04, 0x03, 0x04, 0x02, 0x41, 0x42, ...cn('Kept')]))).toEqual(['Kept']);
  });
});
