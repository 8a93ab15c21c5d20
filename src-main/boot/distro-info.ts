import type { RecipeContext } from './recipes/recipe.ts';
import { windowsKind } from './recipes/windows.ts';

/**
 * A human name for the image ("Ubuntu 24.04.1 LTS", "Arch Linux 2026.11.01"), from the marker
 * files distributions leave on their media. First match wins; the order puts the most
 * specific files first.
 */
export async function detectDistro(ctx: RecipeContext): Promise<string | undefined> {
  // Debian, Ubuntu and derivatives: one line such as `Ubuntu 24.04.1 LTS "Noble Numbat" - Release amd64 (20240827)`.
  const diskInfo = await ctx.readText('/.disk/info', 4096);
  if (diskInfo?.trim()) return oneLine(diskInfo);

  // Fedora, RHEL, Rocky, Alma (installer trees): .treeinfo is an INI file with [general] or [release].
  const treeinfo = await ctx.readText('/.treeinfo', 64 * 1024);
  if (treeinfo) {
    const name = iniValue(treeinfo, 'release', 'name') ?? iniValue(treeinfo, 'general', 'family');
    const version = iniValue(treeinfo, 'release', 'version') ?? iniValue(treeinfo, 'general', 'version');
    if (name) return oneLine(version ? `${name} ${version}` : name);
  }

  // archiso: <basedir>/version holds the build date; the base dir names the distribution.
  const archVersion = await ctx.readText('/arch/version', 256);
  if (archVersion?.trim()) return `Arch Linux ${oneLine(archVersion)}`;
  const srVersion = (await ctx.readText('/sysresccd/VERSION', 256)) ?? (await ctx.readText('/sysresccd/version', 256));
  if (srVersion?.trim()) return `SystemRescue ${oneLine(srVersion)}`;

  // Alpine: `alpine-standard-3.21.0 241205`; SUSE: `/ openSUSE 15.6-0` (path, product, version).
  const alpine = await ctx.readText('/.alpine-release', 256);
  if (alpine?.trim()) return `Alpine Linux (${oneLine(alpine)})`;
  const products = await ctx.readText('/media.1/products', 4096);
  const product = products?.split(/\r?\n/)[0]?.trim().split(/\s+/).slice(1).join(' ');
  if (product) return oneLine(product);

  // Windows media name their edition only inside the WIMs; the label says language and build.
  const windows = await windowsKind(ctx);
  if (windows) return ctx.volumeId?.trim() ? `${windows} (${ctx.volumeId.trim()})` : windows;

  // Fedora live media without .treeinfo: the volume label is all there is ("Fedora-WS-Live-41-1-4").
  if (ctx.volumeId?.trim()) return ctx.volumeId.trim();
  return undefined;
}

function oneLine(text: string): string {
  return text
    .replace(/[\0-\x1f\x7f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 120);
}

/** `key = value` under `[section]`, case-insensitive names. */
export function iniValue(text: string, section: string, key: string): string | undefined {
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const s = /^\[([^\]]+)\]$/.exec(line);
    if (s) {
      current = s[1]!.trim().toLowerCase();
      continue;
    }
    if (current !== section.toLowerCase()) continue;
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && kv[1]!.toLowerCase() === key.toLowerCase()) return kv[2]!.trim();
  }
  return undefined;
}
