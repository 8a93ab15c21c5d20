import type { BootPlan } from '../../shared/api.ts';
import type { RecipeContext, RecipeResult } from './recipe.ts';

/**
 * When no recipe can boot a kernel: small BIOS images go to iPXE `sanboot` of the whole file
 * over HTTP (iPXE hooks INT 13h with a disk that reads HTTP ranges on demand). That suits
 * real-mode tools (memory testers, firmware updaters, DOS) whose loaders use INT 13h to the
 * end; an operating system's own drivers cannot see such a disk once its kernel starts, which
 * is why larger images are not offered this way. Everything else gets a plan that says why.
 */
export const SANBOOT_MAX_BYTES = 256 * 1024 * 1024;

export async function fallbackPlans(ctx: RecipeContext, why: string[]): Promise<RecipeResult> {
  const windows = await detectWindows(ctx);
  if (windows) return { recipe: 'none', plans: [unbootable(windows)] };

  const size = ctx.sizeBytes;
  const bios = await biosBootable(ctx);
  if (size !== undefined && size <= SANBOOT_MAX_BYTES && bios !== false) {
    const sanboot: BootPlan = {
      id: 'sanboot',
      recipe: 'sanboot',
      title: 'Whole image as a BIOS disk (iPXE sanboot over HTTP)',
      via: 'sanboot',
      initrds: [],
      minRamMiB: 64,
      firmware: ['bios'],
    };
    return { recipe: 'sanboot', plans: [sanboot] };
  }

  const reasons = [...why];
  if (size !== undefined && size > SANBOOT_MAX_BYTES) {
    reasons.push(`too large (${Math.round(size / 1024 / 1024)} MiB) to boot as a SAN disk: its system could not see the disk after its kernel starts`);
  } else if (size === undefined) {
    reasons.push('image size unknown, so sanboot was not offered');
  } else if (bios === false) {
    reasons.push('the image has no BIOS El Torito boot entry, so sanboot cannot start it');
  }
  return { recipe: 'none', plans: [unbootable(`No boot recipe: ${reasons.join('; ') || 'no Linux kernel found'}`)] };
}

function unbootable(reason: string): BootPlan {
  return { id: 'none', recipe: 'none', title: 'Cannot be network-booted yet', via: 'none', initrds: [], firmware: ['bios', 'uefi'], unbootableReason: reason };
}

async function detectWindows(ctx: RecipeContext): Promise<string | null> {
  if ((await ctx.stat('/sources/boot.wim')) || ((await ctx.stat('/bootmgr')) && (await ctx.stat('/sources')))) {
    return 'Windows installer (sources/boot.wim): booting it needs wimboot, which Bootcast does not bundle yet';
  }
  // Windows media built as UDF-only keep a single README in their ISO 9660 view.
  const root = (await ctx.list('/')).filter((e) => !e.name.startsWith('['));
  if (root.length > 0 && root.length <= 2 && root.some((e) => /^readme\.txt$/i.test(e.name))) {
    const readme = (await ctx.readText(root.find((e) => /^readme\.txt$/i.test(e.name))!.path, 8192)) ?? '';
    if (/\bUDF\b/i.test(readme)) {
      return 'The image keeps its files in UDF (its ISO 9660 part only holds a README): typical of Windows installers, which need wimboot; Bootcast reads ISO 9660 only';
    }
  }
  return null;
}

/** true/false from the El Torito catalog the ISO reader exposes under /[BOOT]; undefined when it tells nothing. */
async function biosBootable(ctx: RecipeContext): Promise<boolean | undefined> {
  const boot = await ctx.stat('/[BOOT]');
  if (boot?.kind === 'dir') {
    const images = await ctx.list(boot.path);
    return images.some((e) => /^bios/i.test(e.name));
  }
  if ((await ctx.stat('/isolinux/isolinux.bin')) || (await ctx.stat('/boot/isolinux/isolinux.bin')) || (await ctx.stat('/boot/grub/i386-pc'))) return true;
  return undefined;
}
