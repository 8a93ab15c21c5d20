import { u16le, u32le } from './fields.ts';
import { FLOPPY_BYTES, type BootCatalogEntry } from './el-torito.ts';

/**
 * How many bytes of the image belong to a boot entry. The catalog only records how many
 * 512-byte sectors the BIOS loads, which for UEFI images is often 0, 1 or truncated at 65535
 * (El Torito's 16-bit field, UEFI §13.3.2.1 says the firmware ignores it). So:
 *  - emulated floppies have their fixed sizes;
 *  - an image starting with a FAT boot sector (UEFI "efiboot.img", hard-disk emulation of a
 *    FAT volume) is as long as its BPB says;
 *  - a hard disk image (MBR) ends where its last partition ends;
 *  - otherwise the catalog's count is all we know.
 * `head` is the first 512 bytes of the boot image (fewer when the image is shorter).
 */
export function bootImageSize(entry: BootCatalogEntry, head: Uint8Array): number {
  const floppy = FLOPPY_BYTES[entry.media];
  if (floppy) return floppy;
  const fat = fatVolumeBytes(head);
  if (fat) return fat;
  if (entry.media === 'hard-disk') {
    const mbr = mbrEndBytes(head);
    if (mbr) return mbr;
  }
  return entry.sectorCount * 512;
}

/** Size of a FAT volume from its BIOS parameter block (Microsoft FAT spec, BPB_TotSec16/32), or 0. */
export function fatVolumeBytes(b: Uint8Array): number {
  if (b.byteLength < 512 || b[510] !== 0x55 || b[511] !== 0xaa) return 0;
  if (b[0] !== 0xeb && b[0] !== 0xe9) return 0; // jump instruction every FAT boot sector starts with
  const bytesPerSector = u16le(b, 11);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) return 0;
  const sectorsPerCluster = b[13]!;
  if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) return 0;
  const total = u16le(b, 19) || u32le(b, 32);
  return total * bytesPerSector;
}

/** End of the furthest MBR partition in bytes, or 0 (no signature / no partition). */
export function mbrEndBytes(b: Uint8Array): number {
  if (b.byteLength < 512 || b[510] !== 0x55 || b[511] !== 0xaa) return 0;
  let end = 0;
  for (let i = 0; i < 4; i++) {
    const p = 446 + 16 * i;
    if (b[p + 4] === 0) continue;
    end = Math.max(end, (u32le(b, p + 8) + u32le(b, p + 12)) * 512);
  }
  return end;
}
