import { stat } from 'node:fs/promises';
import type { BootPlan } from '../shared/api.ts';
import { detectDistro } from './distro-info.ts';
import type { ImageFiles } from '../iso/image-files.ts';
import { archisoRecipe } from './recipes/archiso.ts';
import { esxiRecipe } from './recipes/esxi.ts';
import { fallbackPlans } from './recipes/fallback.ts';
import { freebsdRecipe } from './recipes/freebsd.ts';
import { genericLinuxRecipe } from './recipes/generic-linux.ts';
import { memtestRecipe } from './recipes/memtest.ts';
import { planConfidence } from './recipes/plan-confidence.ts';
import { windowsRecipe } from './recipes/windows.ts';
import { type BootCatalogInfo, type Recipe, createRecipeContext } from './recipes/recipe.ts';

export interface InspectOptions {
  /** Size of the image file; read from `files.path` on disk when absent. */
  sizeBytes?: number;
  /** Volume label, used as the distro name when nothing better is on the medium. */
  volumeId?: string;
  /**
   * El Torito entries (IsoImage.summary().elTorito.images). iPXE's sanboot starts only BIOS
   * no-emulation entries, so this decides whether sanboot is offered. Read from the reader's
   * `summary()` when absent and the reader has one.
   */
  bootCatalog?: readonly BootCatalogInfo[];
  /** The image carries UDF as well (IsoImage.summary().udf). */
  udf?: boolean;
}

/** What IsoImage.summary() offers beyond ImageFiles; probed, so tests and other readers need not have it. */
interface SummaryProvider {
  summary(): Promise<{ volumeId?: string; udf?: boolean; elTorito?: { images: BootCatalogInfo[] } | null }>;
}

async function readerFacts(files: ImageFiles): Promise<{ volumeId?: string; udf?: boolean; bootCatalog?: BootCatalogInfo[] }> {
  const provider = files as Partial<SummaryProvider>;
  if (typeof provider.summary !== 'function') return {};
  try {
    const s = await provider.summary();
    return {
      ...(typeof s.volumeId === 'string' ? { volumeId: s.volumeId } : {}),
      ...(typeof s.udf === 'boolean' ? { udf: s.udf } : {}),
      ...(s.elTorito !== undefined ? { bootCatalog: s.elTorito?.images ?? [] } : {}),
    };
  } catch {
    return {};
  }
}

export interface ImageInspection {
  /** "Ubuntu 24.04.1 LTS …", "Arch Linux 2026.11.01", from .disk/info, .treeinfo, arch/version … */
  distro?: string;
  /** 'archiso', 'generic-linux/casper' …, 'sanboot', or 'none' when nothing can boot it. */
  recipe: string;
  /** Best plan first; paths are image-internal, command lines are templates (cmdline-template.ts). */
  plans: BootPlan[];
  /** CPU architecture of the kernel when known (x86_64, aarch64, i686). */
  arch?: string;
  /** What inspection tried and why alternatives were rejected, for `bootcast iso info`. */
  notes: string[];
}

/** Recipes in order of specificity: the first that recognises the image wins. */
export const RECIPES: readonly Recipe[] = [archisoRecipe, memtestRecipe, esxiRecipe, freebsdRecipe, genericLinuxRecipe, windowsRecipe];

/**
 * Decides how an image can be network-booted. Never throws for a strange or broken image:
 * unreadable files count as absent, config syntax it does not know is skipped, and the worst
 * outcome is a single 'none' plan whose reason a technician can act on.
 */
export async function inspectImage(files: ImageFiles, opts: InspectOptions = {}): Promise<ImageInspection> {
  const notes: string[] = [];
  let sizeBytes = opts.sizeBytes;
  if (sizeBytes === undefined) {
    try {
      sizeBytes = (await stat(files.path)).size;
    } catch {
      // in-memory images in tests, or a file that vanished: size stays unknown
    }
  }
  const facts = opts.bootCatalog === undefined || opts.volumeId === undefined || opts.udf === undefined ? await readerFacts(files) : {};
  const volumeId = opts.volumeId ?? facts.volumeId ?? (files as { volumeId?: unknown }).volumeId;
  const bootCatalog = opts.bootCatalog ?? facts.bootCatalog;
  const udf = opts.udf ?? facts.udf;
  const ctx = createRecipeContext(
    files,
    {
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      ...(typeof volumeId === 'string' ? { volumeId } : {}),
      ...(bootCatalog !== undefined ? { bootCatalog } : {}),
      ...(udf !== undefined ? { udf } : {}),
    },
    notes,
  );
  const distro = await detectDistro(ctx);

  for (const recipe of RECIPES) {
    let result;
    try {
      result = await recipe.detect(ctx);
    } catch (err) {
      // A recipe bug must not make the image unusable: record it and let the next one try.
      notes.push(`${recipe.name}: failed: ${(err as Error).message}`);
      continue;
    }
    if (result && result.plans.length > 0) {
      return { ...(distro ? { distro } : {}), recipe: result.recipe, plans: withConfidence(result.plans), ...(result.arch ? { arch: result.arch } : {}), notes };
    }
  }
  const fallback = await fallbackPlans(ctx, notes.filter((n) => /^generic-linux: (the boot menus|no usable|no isolinux)/.test(n)).map((n) => n.replace(/^generic-linux: /, '')));
  return { ...(distro ? { distro } : {}), recipe: fallback.recipe, plans: withConfidence(fallback.plans), ...(fallback.arch ? { arch: fallback.arch } : {}), notes };
}

function withConfidence(plans: BootPlan[]): BootPlan[] {
  return plans.map((p) => {
    const confidence = planConfidence(p);
    return confidence ? { ...p, confidence } : p;
  });
}
