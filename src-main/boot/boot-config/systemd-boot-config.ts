import { type BootEntry, type ParsedConfig, looksLikeTool, resolveImagePath } from './boot-entry.ts';

/**
 * systemd-boot (Boot Loader Specification type 1) entries: `loader/entries/*.conf` with
 * `title`, `linux`, `initrd` (repeatable), `options` (repeatable, joined with spaces), `efi`
 * for EFI programs; `loader/loader.conf` `default` is a glob over entry file names.
 */
export function parseSystemdBootEntries(files: Array<{ name: string; path: string; text: string }>, loaderConf: string | null): ParsedConfig {
  const warnings: string[] = [];
  const defaultGlob = loaderConf ? /^\s*default\s+(\S+)/m.exec(loaderConf)?.[1] : undefined;
  const defaultRe = defaultGlob ? globToRegExp(defaultGlob.endsWith('.conf') ? defaultGlob : `${defaultGlob}.conf`) : undefined;
  // Entries sort by file name (the spec's fallback order when no sort-key is given).
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  let defaultTaken = false;
  const entries: BootEntry[] = sorted.map((f) => {
    let title: string | undefined;
    let linux: string | undefined;
    let efi: string | undefined;
    const initrds: string[] = [];
    const options: string[] = [];
    for (const raw of f.text.split(/\r?\n/)) {
      const m = /^\s*([a-z_-]+)\s+(.*?)\s*$/.exec(raw);
      if (!m || raw.trim().startsWith('#')) continue;
      const [, key, value] = m as unknown as [string, string, string];
      if (key === 'title') title = value;
      else if (key === 'linux') linux = resolveImagePath('/', value);
      else if (key === 'initrd') initrds.push(resolveImagePath('/', value));
      else if (key === 'options') options.push(value);
      else if (key === 'efi') efi = resolveImagePath('/', value);
    }
    const label = f.name.replace(/\.conf$/, '');
    const kernel = linux ?? efi;
    const resolvedTitle = title ?? label;
    const kind: BootEntry['kind'] = linux && !looksLikeTool({ title: resolvedTitle, kernel: linux, label }) ? 'linux' : 'tool';
    const isDefault = !defaultTaken && defaultRe !== undefined && defaultRe.test(f.name);
    if (isDefault) defaultTaken = true;
    return {
      source: `systemd-boot ${f.path}`,
      label,
      title: resolvedTitle,
      kind,
      ...(kernel ? { kernel } : {}),
      initrds,
      append: options.join(' '),
      isDefault,
    };
  });
  return { entries, warnings };
}

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}
