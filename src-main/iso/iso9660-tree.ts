/**
 * Which of an ISO 9660 image's trees names its files: Rock Ridge, Joliet or plain ISO 9660.
 */
import { parseDirectoryExtent } from '../protocol/iso9660/directory-record.ts';
import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import { hasRockRidgeEntries } from '../protocol/iso9660/rock-ridge.ts';
import { parseSuspArea } from '../protocol/iso9660/susp.ts';
import type { PrimaryVolume } from '../protocol/iso9660/volume-descriptor.ts';
import type { ByteSource } from './byte-source.ts';
import { isoFileSystem, type FileSystemChoice } from './choose-file-system.ts';
import { DirectoryReader, type TreeMode } from './directory-reader.ts';
import { readExact } from './read-exact.ts';
import type { VolumeSet } from './read-volume.ts';

/**
 * Names come from Rock Ridge when the primary tree has it (SUSP SP in the root's "." record,
 * or Rock Ridge entries without the announcement, as some old writers did), else from Joliet,
 * else from plain ISO 9660: the same preference as Linux and libisofs.
 */
export async function chooseIsoTree(source: ByteSource, file: string, volumes: VolumeSet): Promise<FileSystemChoice> {
  const { tree, mode } = await isoTreeMode(source, file, volumes);
  return isoFileSystem(volumes, tree, new DirectoryReader(source, file, mode));
}

async function isoTreeMode(source: ByteSource, file: string, volumes: VolumeSet): Promise<{ tree: PrimaryVolume; mode: TreeMode }> {
  const pvd = volumes.primary;
  if (pvd) {
    const r = pvd.root;
    const firstLength = Math.min(SECTOR_SIZE, r.dataLength);
    if (firstLength > 0) {
      const block = await readExact(source, file, r.extentSector * SECTOR_SIZE, firstLength, 'root directory');
      const probe = new DirectoryReader(source, file, { names: 'iso9660', suspSkip: 0 });
      const records = probe.decode(() => parseDirectoryExtent(block, { joliet: false, imageOffset: r.extentSector * SECTOR_SIZE }), 'root directory');
      const self = records[0];
      if (self?.special === 'self') {
        const area = probe.decode(() => parseSuspArea(self.systemUse), 'system use area of the root directory');
        if (area.sp) return { tree: pvd, mode: { names: 'rock-ridge', suspSkip: area.sp.skip } };
      }
      for (const rec of records) {
        const area = probe.decode(() => parseSuspArea(rec.systemUse), 'system use area in the root directory');
        if (hasRockRidgeEntries(area.entries)) return { tree: pvd, mode: { names: 'rock-ridge', suspSkip: 0 } };
      }
    }
  }
  if (volumes.joliet) return { tree: volumes.joliet, mode: { names: 'joliet', suspSkip: 0 } };
  return { tree: pvd!, mode: { names: 'iso9660', suspSkip: 0 } };
}
