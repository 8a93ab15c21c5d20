import type { RecipeContext } from '../recipes/recipe.ts';
import type { BootEntry } from './boot-entry.ts';
import { parseGrubConfig } from './grub-config.ts';
import { parseSyslinuxConfig } from './syslinux-config.ts';
import { parseSystemdBootEntries } from './systemd-boot-config.ts';

/** Where media keep their loader configs; syslinux first (simplest, and what BIOS boots). */
export const SYSLINUX_CONFIGS = [
  '/isolinux/isolinux.cfg',
  '/boot/isolinux/isolinux.cfg',
  '/isolinux.cfg',
  '/syslinux/syslinux.cfg',
  '/boot/syslinux/syslinux.cfg',
  '/syslinux.cfg',
  '/boot/x86_64/loader/isolinux.cfg',
];
export const GRUB_CONFIGS = ['/boot/grub/grub.cfg', '/boot/grub2/grub.cfg', '/EFI/BOOT/grub.cfg', '/EFI/fedora/grub.cfg', '/boot/grub/loopback.cfg'];

export interface BootConfigs {
  entries: BootEntry[];
  /** Config files that were found and read. */
  sources: string[];
}

/** Every boot entry of every loader config the image carries, syslinux first, then GRUB, then systemd-boot. */
export async function readBootConfigs(ctx: RecipeContext): Promise<BootConfigs> {
  const entries: BootEntry[] = [];
  const sources: string[] = [];
  const read = (p: string): Promise<string | null> => ctx.readText(p);

  for (const path of SYSLINUX_CONFIGS) {
    if (!(await ctx.stat(path))) continue;
    sources.push(path);
    const parsed = await parseSyslinuxConfig(read, path);
    entries.push(...parsed.entries);
    parsed.warnings.forEach((w) => ctx.note(w));
    break; // one syslinux tree per medium; the others are copies for other loaders
  }
  const seenGrub = new Set<string>();
  for (const path of GRUB_CONFIGS) {
    const st = await ctx.stat(path);
    if (!st || st.kind !== 'file' || seenGrub.has(st.path.toLowerCase())) continue;
    seenGrub.add(st.path.toLowerCase());
    sources.push(st.path);
    const parsed = await parseGrubConfig(read, st.path);
    entries.push(...parsed.entries);
    parsed.warnings.forEach((w) => ctx.note(w));
  }
  const entryDir = await ctx.stat('/loader/entries');
  if (entryDir?.kind === 'dir') {
    const confs = (await ctx.list(entryDir.path)).filter((e) => e.kind === 'file' && /\.conf$/i.test(e.name));
    const files: Array<{ name: string; path: string; text: string }> = [];
    for (const c of confs) {
      const text = await ctx.readText(c.path, 64 * 1024);
      if (text !== null) files.push({ name: c.name, path: c.path, text });
    }
    if (files.length > 0) {
      sources.push(entryDir.path);
      const parsed = parseSystemdBootEntries(files, await ctx.readText('/loader/loader.conf', 64 * 1024));
      entries.push(...parsed.entries);
    }
  }
  return { entries, sources };
}
