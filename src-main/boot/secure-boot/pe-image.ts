/**
 * The parts of a PE/COFF image (an EFI program, a kernel with an EFI stub) that decide whether
 * UEFI Secure Boot lets it run: the machine type, the sections, and who signed it — the subject
 * common names in its Authenticode certificate table (PE/COFF spec §4.7, "Attribute Certificate
 * Table"). Pure: bytes in, facts out. Not a signature verifier: the firmware and shim verify;
 * this tells the technician beforehand which vendor's chain a file belongs to.
 */

export interface PeSection {
  name: string;
  /** File offset and length of the section's raw data. */
  offset: number;
  size: number;
}

export interface PeImage {
  /** 0x8664 x86-64, 0xaa64 arm64, 0x14c i386. */
  machine: number;
  sections: PeSection[];
  /** Common names found in the certificate table, in order (issuer of the first signer first); empty when unsigned. */
  signerNames: string[];
  /**
   * Common names of certificates embedded in the program itself (before the certificate
   * table): shim carries its vendor's CA this way (.vendor_cert), the key it trusts GRUB and
   * kernels by.
   */
  embeddedNames: string[];
}

const COMMON_NAME_OID = [0x06, 0x03, 0x55, 0x04, 0x03];

/** null when `bytes` is not a PE image. Never throws on truncated or strange input. */
export function readPeImage(bytes: Uint8Array): PeImage | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => (o + 2 <= bytes.length ? view.getUint16(o, true) : -1);
  const u32 = (o: number) => (o + 4 <= bytes.length ? view.getUint32(o, true) : -1);
  if (u16(0) !== 0x5a4d) return null; // "MZ"
  const pe = u32(0x3c);
  if (pe < 0 || u32(pe) !== 0x00004550) return null; // "PE\0\0"
  const machine = u16(pe + 4);
  const sectionCount = u16(pe + 6);
  const optionalSize = u16(pe + 20);
  const optional = pe + 24;
  const magic = u16(optional);
  if (magic !== 0x10b && magic !== 0x20b) return null;
  // Data directory 4 is the certificate table; its "address" is a file offset, not an RVA.
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const dirCount = u32(directories - 4);
  let signerNames: string[] = [];
  let imageEnd = bytes.length;
  if (dirCount > 4) {
    const certOffset = u32(directories + 32);
    const certSize = u32(directories + 36);
    if (certOffset > 0 && certSize > 0 && certOffset + certSize <= bytes.length) {
      signerNames = commonNames(bytes.subarray(certOffset, certOffset + certSize));
      imageEnd = certOffset;
    }
  }
  const embeddedNames = commonNames(bytes.subarray(0, imageEnd));
  const sections: PeSection[] = [];
  const table = optional + optionalSize;
  for (let i = 0; i < sectionCount && table + 40 * (i + 1) <= bytes.length; i++) {
    const at = table + 40 * i;
    const raw = bytes.subarray(at, at + 8);
    const end = raw.indexOf(0);
    const name = new TextDecoder('latin1').decode(end < 0 ? raw : raw.subarray(0, end));
    sections.push({ name, size: u32(at + 16), offset: u32(at + 20) });
  }
  return { machine, sections, signerNames, embeddedNames };
}

/** Subject/issuer common names (X.520 CN) in DER data, in order of appearance. */
export function commonNames(der: Uint8Array): string[] {
  const names: string[] = [];
  for (let i = 0; i + 7 < der.length; i++) {
    if (!COMMON_NAME_OID.every((b, k) => der[i + k] === b)) continue;
    const tag = der[i + 5]!;
    const len = der[i + 6]!;
    // UTF8String, PrintableString, T61String; short-form lengths only (a CN is < 128 bytes).
    if ((tag === 0x0c || tag === 0x13 || tag === 0x14) && len < 0x80 && i + 7 + len <= der.length) {
      names.push(new TextDecoder('utf-8', { fatal: false }).decode(der.subarray(i + 7, i + 7 + len)));
      i += 6 + len;
    }
  }
  return names;
}

export function sectionBytes(bytes: Uint8Array, image: PeImage, name: string): Uint8Array | null {
  const s = image.sections.find((x) => x.name === name);
  if (!s || s.offset < 0 || s.size <= 0 || s.offset + s.size > bytes.length) return null;
  return bytes.subarray(s.offset, s.offset + s.size);
}
