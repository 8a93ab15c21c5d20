/**
 * Searches of an image's tree made for its summary: the boot-relevant files, and the sizes of
 * the El Torito boot images (the catalog gives only where they start). Both are bounded by an
 * entry budget so a DVD's summary stays quick and a looping tree cannot hold it.
 */
import { SECTOR_SIZE } from '../protocol/iso9660/fields.ts';
import { BOOT_DIR, type BootImage } from './boot-images.ts';
import { bootFileRole, SKIPPED_DIRECTORIES, type BootFile } from './boot-relevant-files.ts';
import type { DirEntry } from './directory-reader.ts';
import { childEntry, type IsoEntry } from './iso-entry.ts';
import { IsoError } from './iso-error.ts';

/** The boot-file search reads at most this many entries, so a DVD's summary stays quick. */
export const SUMMARY_ENTRY_BUDGET = 20_000;
/** Entries the search for boot image files may read (see sizeBootImages). */
export const BOOT_IMAGE_SEARCH_BUDGET = 5_000;

/**
 * The catalog says where a boot image starts, not how long it is (see readBootImages). When a
 * file of the tree starts at the same sector (isolinux/isolinux.bin, boot/grub/efi.img), its
 * size is the image's size: what xorriso -extract_boot_images reports too. The search is
 * breadth first with a budget, and runs only when /[BOOT] is first looked at, so open()
 * stays a handful of reads.
 */
export async function sizeBootImages(
  bootImages: readonly BootImage[],
  root: IsoEntry,
  imageSize: number,
  rawChildren: (dir: IsoEntry) => Promise<readonly DirEntry[]>,
): Promise<IsoEntry[]> {
  const sizes = bootImages.map((b) => b.size);
  const wanted = new Map<number, number[]>();
  bootImages.forEach((b, i) => {
    const sector = b.offset / SECTOR_SIZE;
    wanted.set(sector, [...(wanted.get(sector) ?? []), i]);
  });
  let budget = BOOT_IMAGE_SEARCH_BUDGET;
  const queue: { dir: IsoEntry; depth: number }[] = [{ dir: root, depth: 0 }];
  const visited = new Set<number>([root.extents[0]!.sector]);
  try {
    while (queue.length && wanted.size && budget > 0) {
      const { dir, depth } = queue.shift()!;
      for (const e of await rawChildren(dir)) {
        if (--budget < 0) break;
        const sector = e.extents[0]?.sector;
        if (sector === undefined) continue;
        if (e.kind === 'file' && e.extents.length === 1 && wanted.has(sector) && e.size > 0 && sector * SECTOR_SIZE + e.size <= imageSize) {
          for (const i of wanted.get(sector)!) sizes[i] = e.size;
          wanted.delete(sector);
        } else if (e.kind === 'dir' && depth < 6 && !visited.has(sector) && !SKIPPED_DIRECTORIES.has(e.name.toLowerCase())) {
          visited.add(sector);
          queue.push({ dir: childEntry(dir, e), depth: depth + 1 });
        }
      }
    }
  } catch (err) {
    // A damaged tree only costs the better size; the catalog's own estimate stays.
    if (!(err instanceof IsoError) || err.code === 'closed') throw err;
  }
  return bootImages.map((b, i) => ({
    name: b.name,
    path: `/${BOOT_DIR}/${b.name}`,
    kind: 'file',
    size: sizes[i]!,
    // Boot images start on a sector; the extent need not end on one.
    extents: [{ sector: b.offset / SECTOR_SIZE, length: sizes[i]! }],
    virtual: true,
  }));
}

/**
 * The files that tell how an image boots (see boot-relevant-files.ts), breadth first within
 * SUMMARY_ENTRY_BUDGET entries; `complete` is false when the budget ran out.
 */
export async function findBootFiles(root: IsoEntry, childrenOf: (dir: IsoEntry) => Promise<IsoEntry[]>): Promise<{ files: BootFile[]; complete: boolean; warnings: string[] }> {
  const files: BootFile[] = [];
  const warnings: string[] = [];
  let budget = SUMMARY_ENTRY_BUDGET;
  const queue: { dir: IsoEntry; depth: number; ancestors: number[] }[] = [{ dir: root, depth: 0, ancestors: [root.extents[0]!.sector] }];
  // Breadth first: boot files sit near the top, so a budget cut loses the least useful part.
  while (queue.length) {
    const { dir, depth, ancestors } = queue.shift()!;
    let children: IsoEntry[];
    try {
      children = await childrenOf(dir);
    } catch (err) {
      if (!(err instanceof IsoError)) throw err;
      warnings.push(err.detail);
      continue;
    }
    for (const e of children) {
      if (--budget < 0) return { files, complete: false, warnings };
      const role = bootFileRole(e.path, e.kind);
      if (role) files.push({ path: e.path, role, kind: e.kind, size: e.size });
      if (e.kind === 'dir' && depth < 8 && !SKIPPED_DIRECTORIES.has(e.name.toLowerCase())) {
        const sector = e.extents[0]!.sector;
        if (!ancestors.includes(sector)) queue.push({ dir: e, depth: depth + 1, ancestors: [...ancestors, sector] });
      }
    }
  }
  return { files, complete: true, warnings };
}
