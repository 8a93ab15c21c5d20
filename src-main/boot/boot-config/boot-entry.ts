/**
 * One boot menu entry as a boot loader config describes it, whatever the loader. Paths are
 * absolute inside the image, '/'-separated; `append` never holds `initrd=` (moved to `initrds`).
 */
export interface BootEntry {
  /** Where it was read: "syslinux /isolinux/live.cfg", "grub /boot/grub/grub.cfg", … */
  source: string;
  /** Syslinux LABEL, GRUB --id, systemd-boot file name. */
  label?: string;
  /** What the menu shows. */
  title: string;
  /**
   * linux: a kernel with initrds and a command line; tool: a loader module or utility
   * (.c32, memdisk, EFI program, local boot); chain: loads another config.
   */
  kind: 'linux' | 'tool' | 'chain';
  kernel?: string;
  initrds: string[];
  append: string;
  /** The config marks it as the default entry. */
  isDefault: boolean;
}

/** Reads a text file inside the image; null when absent or unreadable (configs are optional). */
export type ConfigReader = (path: string) => Promise<string | null>;

export interface ParsedConfig {
  entries: BootEntry[];
  /** Things a technician might want to know: unreadable includes, loops, unknown syntax. */
  warnings: string[];
}

/** Joins `rel` onto directory `dir` and normalises '.', '..' and duplicate slashes; never leaves '/'. */
export function resolveImagePath(dir: string, rel: string): string {
  const base = rel.startsWith('/') ? [] : dir.split('/');
  const out: string[] = [];
  for (const part of [...base, ...rel.split('/')]) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

const TOOL_TITLE =
  /memtest|memory test|\bhdt\b|hardware detect|hardware info|\breboot\b|\brestart\b|power ?off|shut ?down|halt|local (hard )?(disk|drive)|boot from (the )?(first |next |local )?(hard )?(disk|drive)|boot existing|firmware setup|uefi firmware|bios setup|efi shell|uefi shell|\bshell\b|chainload|ipxe/i;
const TOOL_KERNEL = /(^|\/)(memtest[^/]*|mt86[^/]*|memdisk|hdt[^/]*|[^/]*\.(c32|efi|0|bin|bs|cbt|com|exe|img|bss))$/i;

/** Entries a network boot should not pick by default: memory testers, hardware tools, reboot/local boot. */
export function looksLikeTool(entry: Pick<BootEntry, 'title' | 'kernel' | 'label'>): boolean {
  if (entry.kernel && TOOL_KERNEL.test(entry.kernel)) return true;
  return TOOL_TITLE.test(entry.title) || (entry.label !== undefined && TOOL_TITLE.test(entry.label));
}

/** Splits `initrd=a,b` (syslinux, also seen in GRUB lines copied from isolinux) out of an append line. */
export function extractInitrdArgs(append: string): { append: string; initrds: string[] } {
  const initrds: string[] = [];
  const kept: string[] = [];
  for (const word of splitCmdline(append)) {
    if (/^initrd=/i.test(word)) initrds.push(...word.slice(7).split(',').filter((s) => s !== ''));
    else kept.push(word);
  }
  return { append: kept.join(' '), initrds };
}

/** Splits a kernel command line into words, keeping double-quoted spans inside one word (as the kernel does). */
export function splitCmdline(cmdline: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quoted = false;
  let inWord = false;
  for (const ch of cmdline) {
    if (ch === '"') {
      quoted = !quoted;
      cur += ch;
      inWord = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
