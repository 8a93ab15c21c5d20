import type { BootPlan } from '../../shared/api.ts';
import type { ImageEntry, ImageFiles } from '../../iso/image-files.ts';

/**
 * A recipe recognises one family of images and turns it into boot plans. Recipes read through
 * a RecipeContext that never throws: a missing or unreadable file is just absent, so a broken
 * or exotic image degrades to the fallback with a reason instead of an error.
 */
export interface RecipeContext {
  readonly files: ImageFiles;
  /** Size of the whole image file, when known (sanboot and casper `url=` decisions, RAM estimates). */
  readonly sizeBytes?: number;
  readonly volumeId?: string;
  /** El Torito boot catalog entries, when the reader knows them. */
  readonly bootCatalog?: readonly BootCatalogInfo[];
  /** The image also carries a UDF file system (Windows media do). */
  readonly udf?: boolean;
  stat(path: string): Promise<ImageEntry | null>;
  list(dir: string): Promise<ImageEntry[]>;
  /** A text file (configs, version files), at most `maxBytes` (default 1 MiB); null when absent or unreadable. */
  readText(path: string, maxBytes?: number): Promise<string | null>;
  /** A whole file's bytes, at most `maxBytes`; null when absent, unreadable or larger. */
  readBytes(path: string, maxBytes: number): Promise<Uint8Array | null>;
  /** Notes for `bootcast iso info`: what was tried and why it did not work. */
  note(message: string): void;
}

/** One El Torito entry as IsoImage.summary() reports it. */
export interface BootCatalogInfo {
  platform: string;
  /** 'no-emulation', 'floppy-1.44M', 'hard-disk' … */
  media: string;
}

export interface RecipeResult {
  recipe: string;
  plans: BootPlan[];
  /** CPU architecture of the kernel, from its path: x86_64, i686, aarch64 … */
  arch?: string;
}

export interface Recipe {
  readonly name: string;
  /** null: this image is not of the recipe's family. */
  detect(ctx: RecipeContext): Promise<RecipeResult | null>;
}

export function createRecipeContext(
  files: ImageFiles,
  opts: { sizeBytes?: number; volumeId?: string; bootCatalog?: readonly BootCatalogInfo[]; udf?: boolean },
  notes: string[],
): RecipeContext {
  return {
    files,
    ...(opts.sizeBytes !== undefined ? { sizeBytes: opts.sizeBytes } : {}),
    ...(opts.volumeId !== undefined ? { volumeId: opts.volumeId } : {}),
    ...(opts.bootCatalog !== undefined ? { bootCatalog: opts.bootCatalog } : {}),
    ...(opts.udf !== undefined ? { udf: opts.udf } : {}),
    async stat(path) {
      try {
        return (await files.stat(path, { caseInsensitive: true })) ?? null;
      } catch {
        return null;
      }
    },
    async list(dir) {
      try {
        return await files.list(dir);
      } catch {
        return [];
      }
    },
    async readText(path, maxBytes = 1 << 20) {
      try {
        const bytes = await files.readFile(path, { maxBytes, caseInsensitive: true });
        return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
      } catch {
        return null;
      }
    },
    async readBytes(path, maxBytes) {
      try {
        return await files.readFile(path, { maxBytes, caseInsensitive: true });
      } catch {
        return null;
      }
    },
    note(message) {
      notes.push(message);
    },
  };
}

const MIB = 1024 * 1024;

/** Bytes to MiB, rounded up to a 64 MiB step so estimates do not pretend to precision. */
export function roundRamMiB(bytes: number): number {
  return Math.ceil(bytes / MIB / 64) * 64;
}

export function fileSize(entry: ImageEntry | null | undefined): number {
  return entry?.kind === 'file' ? entry.size : 0;
}

const ARCH_IN_PATH: Array<[RegExp, string]> = [
  [/(^|[/_.-])(x86_64|amd64|x64)([/_.-]|$)/i, 'x86_64'],
  [/(^|[/_.-])(aarch64|arm64)([/_.-]|$)/i, 'aarch64'],
  [/(^|[/_.-])(i[3-6]86|ia32|x86)([/_.-]|$)/i, 'i686'],
  [/(^|[/_.-])(riscv64)([/_.-]|$)/i, 'riscv64'],
];

export function archFromPath(path: string): string | undefined {
  for (const [re, arch] of ARCH_IN_PATH) if (re.test(path)) return arch;
  return undefined;
}
