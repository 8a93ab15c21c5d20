import { splitCmdline } from '../../boot-config/boot-entry.ts';
import type { RecipeDoc } from '../recipe-doc.ts';
import type { RecipeContext } from '../recipe.ts';

/**
 * One initramfs family: how to recognise a medium whose initramfs belongs to it, and the kernel
 * parameters that make that initramfs fetch its root over HTTP from Bootcast instead of looking
 * for the CD. Each family lives in its own file beside this one, with the description
 * docs/images.md is generated from (RecipeDoc), so the table cannot drift from the code.
 */
export interface FamilyAdaptation {
  family: string;
  /** BootPlan.id; 'http' unless a family offers several ways (PROVEN_PLANS is keyed by it). */
  planId?: string;
  cmdline: string;
  /** What the client must hold in RAM beyond kernel and initramfs, bytes. */
  ramBytes: number;
  /** One line for the plan title: "whole ISO over HTTP", … */
  how: string;
  /** For `iso info` notes: why this may not boot. */
  note?: string;
  /** What is known not to work (BootPlan.limits). */
  limits?: string[];
  /** Initrds Bootcast generates, appended after the medium's (image-urls.ts GENERATED_DIR paths). */
  extraInitrds?: string[];
  /** Other plans for the same boot entry, offered after this one (the default). */
  alternatives?: FamilyAdaptation[];
}

export interface FamilyInput {
  ctx: RecipeContext;
  /** The chosen boot entry's kernel and initrds, image paths. */
  kernel: string;
  initrds: readonly string[];
  /** The entry's command line, split, media checks already removed. */
  words: string[];
}


export interface InitramfsFamily {
  readonly id: string;
  readonly doc: RecipeDoc;
  adapt(input: FamilyInput): Promise<FamilyAdaptation | null>;
}

export const MIB = 1024 * 1024;

export function words(cmdline: string): string[] {
  return splitCmdline(cmdline);
}

export function has(list: readonly string[], re: RegExp): boolean {
  return list.some((x) => re.test(x));
}

export function without(list: readonly string[], ...patterns: RegExp[]): string[] {
  return list.filter((w) => !patterns.some((p) => p.test(w)));
}

/**
 * Separators after which arguments belong to the installed system or to init, not to the
 * initramfs: `---` (Debian installer, casper: copied to the installed system's boot entry) and
 * `--` (Linux Mint's casper entries; the kernel hands everything after `--` to init). Network
 * parameters must land before them.
 */
const SEPARATORS = new Set(['---', '--']);

/** Inserts `add` before the first `---`/`--` separator, or at the end. */
export function insertBeforeSeparator(list: readonly string[], add: readonly string[]): string[] {
  const sep = list.findIndex((w) => SEPARATORS.has(w));
  return sep < 0 ? [...list, ...add] : [...list.slice(0, sep), ...add, ...list.slice(sep)];
}

export async function findFirst(ctx: RecipeContext, dir: string, patterns: RegExp[]): Promise<{ path: string; name: string; size: number } | null> {
  const files = (await ctx.list(dir)).filter((e) => e.kind === 'file');
  for (const p of patterns) {
    const f = files.find((e) => p.test(e.name));
    if (f) return f;
  }
  return null;
}
