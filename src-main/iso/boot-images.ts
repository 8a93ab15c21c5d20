import { bootImageSize } from '../protocol/iso9660/boot-image-size.ts';
import { parseBootCatalog, type BootCatalogEntry } from '../protocol/iso9660/el-torito.ts';
import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import { IsoFormatError } from '../protocol/iso9660/iso-format-error.ts';
import type { ByteSource } from './byte-source.ts';

/** The virtual directory holding El Torito boot images (the name 7-Zip made familiar). */
export const BOOT_DIR = '[BOOT]';

/** An El Torito boot image, exposed as a virtual file under /[BOOT]. */
export interface BootImage {
  /** "bios.img", "uefi.img", then "bios-2.img"… when a platform has several. */
  name: string;
  entry: BootCatalogEntry;
  /** Start in bytes inside the image. */
  offset: number;
  size: number;
}

/** Catalogs are one sector in practice; four hold 256 entries, the most we accept. */
const CATALOG_BYTES = 4 * SECTOR_SIZE;

/**
 * Reads the boot catalog and sizes each image. Catalog trouble is not fatal to the image (its
 * files stay readable), so problems come back as warnings rather than errors.
 */
export async function readBootImages(source: ByteSource, catalogSector: number): Promise<{ images: BootImage[]; warnings: string[] }> {
  const warnings: string[] = [];
  const at = catalogSector * SECTOR_SIZE;
  if (at + 64 > source.size) {
    return { images: [], warnings: [`El Torito boot catalog at sector ${catalogSector} lies beyond the end of the image`] };
  }
  const catalog = new Uint8Array(Math.min(CATALOG_BYTES, source.size - at));
  await source.read(catalog, at);
  let entries: BootCatalogEntry[];
  try {
    entries = parseBootCatalog(catalog, at);
  } catch (err) {
    if (err instanceof IsoFormatError) return { images: [], warnings: [`El Torito boot catalog at sector ${catalogSector}: ${err.message}`] };
    throw err;
  }
  const images: BootImage[] = [];
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const offset = entry.loadSector * SECTOR_SIZE;
    if (offset >= source.size) {
      warnings.push(`El Torito ${entry.platform} boot image at sector ${entry.loadSector} lies beyond the end of the image`);
      continue;
    }
    const head = new Uint8Array(Math.min(512, source.size - offset));
    await source.read(head, offset);
    let size = bootImageSize(entry, head);
    if (offset + size > source.size) {
      warnings.push(`El Torito ${entry.platform} boot image at sector ${entry.loadSector} claims ${size} bytes, past the end of the image; cut to fit`);
      size = source.size - offset;
    }
    const base = entry.platform === 'unknown' ? `platform-${entry.platformId.toString(16)}` : entry.platform;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    images.push({ name: n === 1 ? `${base}.img` : `${base}-${n}.img`, entry, offset, size });
  }
  return { images, warnings };
}
