import { u32le } from './fields.ts';

/**
 * isohybrid images carry a disk label in the ISO's unused system area so that the same
 * file boots from a USB stick: an MBR (signature 55 AA at 510) and/or a GPT ("EFI PART" at
 * LBA 1, UEFI 2.x §5.3.2; 4096-byte-sector GPTs put it at 4096).
 */
export interface HybridInfo {
  mbr: boolean;
  gpt: boolean;
  /** MBR partition types (e.g. 0x00 empty, 0xEF EFI system, 0xEE protective GPT) of used slots. */
  mbrPartitionTypes: number[];
}

/** `systemArea` is the image's first 32 KiB (or as much as there is). */
export function detectHybrid(systemArea: Uint8Array): HybridInfo {
  const b = systemArea;
  const hasSig = b.byteLength >= 512 && b[510] === 0x55 && b[511] === 0xaa;
  const types: number[] = [];
  if (hasSig) {
    for (let i = 0; i < 4; i++) {
      const p = 446 + 16 * i;
      const type = b[p + 4]!;
      // A slot counts when it has a type and a length; boot code alone is not a partition table.
      if (type !== 0 && u32le(b, p + 12) !== 0) types.push(type);
    }
  }
  const gptAt = (o: number) => b.byteLength >= o + 8 && String.fromCharCode(...b.subarray(o, o + 8)) === 'EFI PART';
  return { mbr: types.length > 0, gpt: gptAt(512) || gptAt(4096), mbrPartitionTypes: types };
}
