import { describe, expect, it } from 'vitest';
import { encodeCatalog } from '../../../test/support/iso9660-encoders.ts';
import { MAX_CATALOG_ENTRIES, parseBootCatalog } from './el-torito.ts';

const pick = (e: ReturnType<typeof parseBootCatalog>) => e.map((x) => [x.platform, x.media, x.bootable, x.sectorCount, x.loadSector]);

describe('El Torito boot catalog', () => {
  it('reads the default entry of a BIOS-only catalog', () => {
    expect(pick(parseBootCatalog(encodeCatalog(0, { sectorCount: 4, loadSector: 466 })))).toEqual([['bios', 'no-emulation', true, 4, 466]]);
  });

  it('reads BIOS default entry plus a final UEFI section (the xorriso / grub-mkrescue layout)', () => {
    const cat = encodeCatalog(0, { sectorCount: 4, loadSector: 466 }, [{ platform: 0xef, entries: [{ sectorCount: 1728, loadSector: 34 }] }]);
    expect(pick(parseBootCatalog(cat))).toEqual([
      ['bios', 'no-emulation', true, 4, 466],
      ['uefi', 'no-emulation', true, 1728, 34],
    ]);
  });

  it('walks several sections, skipping extension entries', () => {
    const cat = encodeCatalog(0, { sectorCount: 4, loadSector: 10, media: 2 }, [
      { platform: 0xef, entries: [{ sectorCount: 0, loadSector: 20, extensions: 2 }, { sectorCount: 8, loadSector: 30, bootable: false }] },
      { platform: 2, entries: [{ sectorCount: 16, loadSector: 40, media: 4 }] },
    ]);
    expect(pick(parseBootCatalog(cat))).toEqual([
      ['bios', 'floppy-1.44M', true, 4, 10],
      ['uefi', 'no-emulation', true, 0, 20],
      ['uefi', 'no-emulation', false, 8, 30],
      ['mac', 'hard-disk', true, 16, 40],
    ]);
  });

  it('rejects a validation entry whose words do not sum to zero', () => {
    const cat = encodeCatalog(0, { sectorCount: 4, loadSector: 1 });
    cat[28]! ^= 1;
    expect(() => parseBootCatalog(cat, 67584)).toThrow(/checksum does not sum to 0/);
  });

  it('rejects a catalog without the 55 AA key bytes', () => {
    const cat = encodeCatalog(0, { sectorCount: 4, loadSector: 1 });
    cat[31] = 0;
    expect(() => parseBootCatalog(cat)).toThrow(/key bytes 55 AA/);
  });

  it(`stops at ${MAX_CATALOG_ENTRIES} entries`, () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ sectorCount: 1, loadSector: i }));
    const cat = encodeCatalog(0, { sectorCount: 4, loadSector: 1 }, [{ platform: 0xef, entries: many }]);
    expect(() => parseBootCatalog(cat)).toThrow(/more than 256 entries/);
  });

  it('stops at the end of the bytes it was given even if a section claims more entries', () => {
    const cat = encodeCatalog(0, { sectorCount: 4, loadSector: 1 }, [{ platform: 0xef, entries: [{ sectorCount: 1, loadSector: 2 }] }]);
    cat[64 + 2] = 0xff; // section claims 255 entries
    expect(parseBootCatalog(cat.subarray(0, 128))).toHaveLength(2);
  });
});
