import { type BootEntry, type ConfigReader, type ParsedConfig, dirname, extractInitrdArgs, looksLikeTool, resolveImagePath } from './boot-entry.ts';

/**
 * isolinux/syslinux configs (syslinux wiki "Config"): case-insensitive keywords, INCLUDE and
 * MENU INCLUDE pull files in place, LABEL starts an entry, CONFIG chains to another config.
 * Relative paths resolve against the directory of the first config (isolinux's working
 * directory); "::" (pxelinux's "absolute on the server") and a leading '/' mean the image root.
 */
export interface SyslinuxOptions {
  /** Directory relative paths resolve against; defaults to the config's directory. */
  workDir?: string;
  /** Bound on INCLUDE/CONFIG nesting (real ISOs use 2–3 levels). */
  maxDepth?: number;
}

interface Label {
  name: string;
  title?: string;
  kernelType?: string;
  kernel?: string;
  append?: string;
  initrd?: string;
  menuDefault: boolean;
  hidden: boolean;
  source: string;
}

export async function parseSyslinuxConfig(read: ConfigReader, configPath: string, opts: SyslinuxOptions = {}): Promise<ParsedConfig> {
  const workDir = opts.workDir ?? dirname(configPath);
  const maxDepth = opts.maxDepth ?? 6;
  const warnings: string[] = [];
  const labels: Label[] = [];
  const visited = new Set<string>();
  // Every DEFAULT seen, in order: a CONFIG-chained file brings its own (Arch: `select` → whichsys.c32 → archiso_sys.cfg's `arch64`).
  const defaults: string[] = [];
  let globalAppend: string | undefined;
  const chained: string[] = [];

  const toPath = (p: string): string => resolveImagePath(workDir, p.replace(/^::/, '/'));

  async function parseFile(path: string, depth: number): Promise<void> {
    if (depth > maxDepth) {
      warnings.push(`syslinux: ${path}: includes nested deeper than ${maxDepth} levels, ignored`);
      return;
    }
    if (visited.has(path)) return; // INCLUDE loops happen in hand-edited configs
    visited.add(path);
    const text = await read(path);
    if (text === null) {
      if (depth > 0) warnings.push(`syslinux: included file ${path} is missing`);
      return;
    }
    let current: Label | undefined;
    let inText = false;
    for (const rawLine of text.split(/\r?\n/)) {
      const line = rawLine.trim();
      if (inText) {
        if (/^endtext\b/i.test(line)) inText = false;
        continue;
      }
      if (line === '' || line.startsWith('#')) continue;
      const m = /^(\S+)\s*(.*)$/.exec(line);
      if (!m) continue;
      const keyword = m[1]!.toLowerCase();
      const arg = m[2]!.trim();
      switch (keyword) {
        case 'include':
          await parseFile(toPath(arg.split(/\s+/)[0] ?? ''), depth + 1);
          break;
        case 'default':
          if (arg) defaults.push(arg);
          break;
        case 'ontimeout':
          break;
        case 'label':
          current = { name: arg, menuDefault: false, hidden: false, source: path };
          labels.push(current);
          break;
        case 'menu': {
          const sub = /^(\S+)\s*(.*)$/.exec(arg);
          const what = sub?.[1]?.toLowerCase();
          const rest = sub?.[2]?.trim() ?? '';
          if (what === 'include') await parseFile(toPath(rest.split(/\s+/)[0] ?? ''), depth + 1);
          else if (what === 'label' && current) current.title = rest.replace(/\^/g, '');
          else if (what === 'default' && current) current.menuDefault = true;
          else if (what === 'hide' && current) current.hidden = true;
          break;
        }
        case 'text':
          if (/^help\b/i.test(arg)) inText = true;
          break;
        case 'kernel':
        case 'linux':
        case 'boot':
        case 'bss':
        case 'pxe':
        case 'fdimage':
        case 'comboot':
        case 'com32':
        case 'config':
        case 'localboot':
          if (current) {
            current.kernelType = keyword;
            current.kernel = arg.split(/\s+/)[0];
          }
          break;
        case 'append':
          if (current) current.append = arg;
          else globalAppend = arg;
          break;
        case 'initrd':
          if (current) current.initrd = arg;
          break;
        default:
          break; // UI, PROMPT, TIMEOUT, SAY, MENU colours …: no bearing on what to boot
      }
    }
    // CONFIG entries chain to another config: its labels are real alternatives, gather them too.
    for (const label of labels) {
      if (label.source === path && label.kernelType === 'config' && label.kernel) chained.push(toPath(label.kernel));
    }
    for (const next of chained.splice(0)) await parseFile(next, depth + 1);
  }

  await parseFile(configPath, 0);

  const visible = labels.filter((l) => !l.hidden);
  const entries: BootEntry[] = visible.map((l) => toEntry(l, false));
  const menuDefault = visible.findIndex((l) => l.menuDefault);
  const byDefault = defaults.map((d) => visible.findIndex((l) => l.name === d.split(/\s+/)[0]));
  const linuxDefault = byDefault.find((i) => i >= 0 && entries[i]!.kind === 'linux');
  const chosen = menuDefault >= 0 ? menuDefault : (linuxDefault ?? byDefault.find((i) => i >= 0) ?? -1);
  if (chosen >= 0) entries[chosen] = { ...entries[chosen]!, isDefault: true };
  // DEFAULT may name a kernel with arguments instead of a label (syslinux allows both).
  const first = defaults[0];
  if (chosen < 0 && first) {
    const [kernel, ...args] = first.split(/\s+/);
    if (kernel && !/\.c32$/i.test(kernel)) {
      entries.unshift(toEntry({ name: kernel, kernelType: 'kernel', kernel, append: args.join(' '), menuDefault: true, hidden: false, source: configPath }, true));
    }
  }
  return { entries, warnings };

  function toEntry(label: Label, isDefault: boolean): BootEntry {
    const appendRaw = label.append === undefined ? (globalAppend ?? '') : label.append === '-' ? '' : label.append;
    const { append, initrds: appendInitrds } = extractInitrdArgs(appendRaw);
    const initrdNames = label.initrd ? label.initrd.split(',').map((s) => s.trim()).filter((s) => s) : appendInitrds;
    const title = label.title?.trim() || label.name;
    const kernelType = label.kernelType ?? '';
    const kernel = label.kernel ? toPath(label.kernel) : undefined;
    let kind: BootEntry['kind'] = 'linux';
    if (kernelType === 'config') kind = 'chain';
    else if (!kernel || kernelType !== 'kernel' && kernelType !== 'linux') kind = 'tool';
    else if (looksLikeTool({ title, kernel, label: label.name })) kind = 'tool';
    return {
      source: `syslinux ${label.source}`,
      label: label.name,
      title,
      kind,
      ...(kernel ? { kernel } : {}),
      initrds: initrdNames.map(toPath),
      append,
      isDefault,
    };
  }
}
