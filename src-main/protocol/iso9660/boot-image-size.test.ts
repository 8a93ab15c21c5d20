import { describe, expect, it } from 'vitest';
import { bootImageSize, fatVolumeBytes, mbrEndBytes } from './boot-image-size.ts';
import type { BootCatalogEntry, BootMedia } from './el-torito.ts';

function entry(media: BootMedia, sectorCount: number): BootCatalogEntry {
  return { platform: 'uefi', platformId: 0xef, bootable: true, media, loadSegment: 0, systemType: 0, sectorCount, loadSector: 100, catalogOffset: 32 };
}

function fatHead(bytesPerSector: number, total16: number, total32 = 0): Uint8Array {
  const b = new Uint8Array(512);
  b[0] = 0xeb;
  new DataView(b.buffer).setUint16(11, bytesPerSector, true);
  b[13] = 4;
  new DataView(b.buffer).setUint16(19, total16, true);
  new DataView(b.buffer).setUint32(32, total32, true);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function mbrHead(parts: [type: number, start: number, count: number][]): Uint8Array {
  const b = new Uint8Array(512);
  parts.forEach(([type, start, count], i) => {
    const p = 446 + 16 * i;
    b[p + 4] = type;
    new DataView(b.buffer).setUint32(p + 8, start, true);
    new DataView(b.buffer).setUint32(p + 12, count, true);
  });
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

describe('boot image sizes', () => {
  it.each([
    ['floppy-1.2M', 1_228_800],
    ['floppy-1.44M', 1_474_560],
    ['floppy-2.88M', 2_949_120],
  ] as const)('gives an emulated %s its fixed size', (media, size) => {
    expect(bootImageSize(entry(media, 1), new Uint8Array(512))).toBe(size);
  });

  it('sizes a FAT image from its BPB (16- and 32-bit total sector counts)', () => {
    expect(fatVolumeBytes(fatHead(512, 2880))).toBe(1_474_560);
    expect(fatVolumeBytes(fatHead(512, 0, 81920))).toBe(41_943_040);
    expect(bootImageSize(entry('no-emulation', 0), fatHead(512, 0, 81920))).toBe(41_943_040);
  });

  it('does not take random bytes for a FAT header', () => {
    const b = fatHead(513, 2880);
    expect(fatVolumeBytes(b)).toBe(0);
    expect(fatVolumeBytes(new Uint8Array(100))).toBe(0);
  });

  it('sizes a hard-disk emulation image to the end of its last partition', () => {
    expect(mbrEndBytes(mbrHead([[0x0c, 63, 1000], [0x83, 2048, 4096]]))).toBe((2048 + 4096) * 512);
    expect(bootImageSize(entry('hard-disk', 1), mbrHead([[0x0c, 63, 1000]]))).toBe(1063 * 512);
  });

  it("falls back to the catalog's 512-byte sector count", () => {
    expect(bootImageSize(entry('no-emulation', 4), new Uint8Array(512))).toBe(2048);
  });
});
