import { IsoFormatError, requireBytes } from './iso-format-error.ts';
import { aString, u16le, u32le } from './fields.ts';

/** El Torito 1.0 §2.1/§2.3 platform ids, plus 0xEF (UEFI 2.x §13.3.2.1). */
export type BootPlatform = 'bios' | 'ppc' | 'mac' | 'uefi' | 'unknown';

export function platformOf(id: number): BootPlatform {
  return ({ 0: 'bios', 1: 'ppc', 2: 'mac', 0xef: 'uefi' } as const)[id as 0] ?? 'unknown';
}

/** §2.2 boot media type (low nibble). */
export type BootMedia = 'no-emulation' | 'floppy-1.2M' | 'floppy-1.44M' | 'floppy-2.88M' | 'hard-disk' | 'unknown';

const MEDIA: readonly BootMedia[] = ['no-emulation', 'floppy-1.2M', 'floppy-1.44M', 'floppy-2.88M', 'hard-disk'];

/** Size of the emulated floppies, in bytes (§2.2). */
export const FLOPPY_BYTES: Partial<Record<BootMedia, number>> = {
  'floppy-1.2M': 1_228_800,
  'floppy-1.44M': 1_474_560,
  'floppy-2.88M': 2_949_120,
};

export interface BootCatalogEntry {
  platform: BootPlatform;
  platformId: number;
  bootable: boolean;
  media: BootMedia;
  loadSegment: number;
  systemType: number;
  /** Count of 512-byte "virtual sectors" the BIOS loads (no-emulation mode). */
  sectorCount: number;
  /** Image position in 2048-byte sectors. */
  loadSector: number;
  /** Position of the 32-byte entry inside the catalog, for messages. */
  catalogOffset: number;
}

export const CATALOG_ENTRY = 32;
/** Bounds the catalog walk; xorriso allows 32 boot images, a catalog sector holds 64 entries. */
export const MAX_CATALOG_ENTRIES = 256;

/**
 * Decodes a boot catalog (§2.1–§2.4): validation entry, initial/default entry, then sections
 * (header 0x90 "more follow" / 0x91 "final") with their entries and extension entries (0x44).
 */
export function parseBootCatalog(b: Uint8Array, imageOffset?: number): BootCatalogEntry[] {
  requireBytes(b, 0, 2 * CATALOG_ENTRY, 'El Torito boot catalog', imageOffset);
  const at = (o: number) => (imageOffset === undefined ? undefined : imageOffset + o);
  if (b[0] !== 1 || b[30] !== 0x55 || b[31] !== 0xaa) {
    throw new IsoFormatError('bad-field', 'El Torito validation entry lacks header id 1 and key bytes 55 AA', at(0));
  }
  let sum = 0;
  for (let i = 0; i < CATALOG_ENTRY; i += 2) sum = (sum + u16le(b, i)) & 0xffff;
  if (sum !== 0) throw new IsoFormatError('bad-field', `El Torito validation entry checksum does not sum to 0 (0x${sum.toString(16)})`, at(0));

  const entries: BootCatalogEntry[] = [parseEntry(b, CATALOG_ENTRY, b[1]!)];
  let pos = 2 * CATALOG_ENTRY;
  let final = false;
  while (!final && pos + CATALOG_ENTRY <= b.byteLength) {
    const header = b[pos]!;
    if (header !== 0x90 && header !== 0x91) break; // unused space after the last section
    final = header === 0x91;
    const platformId = b[pos + 1]!;
    const count = u16le(b, pos + 2);
    pos += CATALOG_ENTRY;
    for (let i = 0; i < count && pos + CATALOG_ENTRY <= b.byteLength; i++) {
      const e = parseEntry(b, pos, platformId);
      pos += CATALOG_ENTRY;
      // §2.5: extension entries (0x44) follow an entry whose media byte has bit 5 set.
      let more = (b[pos - CATALOG_ENTRY + 1]! & 0x20) !== 0;
      while (more && pos + CATALOG_ENTRY <= b.byteLength && b[pos] === 0x44) {
        more = (b[pos + 1]! & 0x20) !== 0;
        pos += CATALOG_ENTRY;
      }
      entries.push(e);
      if (entries.length > MAX_CATALOG_ENTRIES) {
        throw new IsoFormatError('limit', `El Torito boot catalog has more than ${MAX_CATALOG_ENTRIES} entries`, at(pos));
      }
    }
  }
  return entries;
}

function parseEntry(b: Uint8Array, pos: number, platformId: number): BootCatalogEntry {
  const media = b[pos + 1]! & 0x0f;
  return {
    platform: platformOf(platformId),
    platformId,
    bootable: b[pos] === 0x88,
    media: MEDIA[media] ?? 'unknown',
    loadSegment: u16le(b, pos + 2),
    systemType: b[pos + 4]!,
    sectorCount: u16le(b, pos + 6),
    loadSector: u32le(b, pos + 8),
    catalogOffset: pos,
  };
}

/** The validation entry's manufacturer/developer string (§2.1). */
export function catalogIdString(b: Uint8Array): string {
  return b.byteLength >= 28 ? aString(b, 4, 24) : '';
}
