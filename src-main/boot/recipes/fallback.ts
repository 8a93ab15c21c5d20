import type { BootPlan } from '../../shared/api.ts';
import type { RecipeDoc } from './recipe-doc.ts';
import type { RecipeContext, RecipeResult } from './recipe.ts';

/**
 * When no recipe can boot a kernel: small BIOS images go to iPXE `sanboot` of the whole file
 * over HTTP (iPXE hooks INT 13h with a disk that reads HTTP ranges on demand). That suits
 * real-mode tools (memory testers, firmware updaters, DOS) whose loaders use INT 13h to the
 * end; an operating system's own drivers cannot see such a disk once its kernel starts, which
 * is why larger images are not offered this way. Everything else gets a plan that says why.
 */
export const SANBOOT_MAX_BYTES = 256 * 1024 * 1024;
export const sanbootDoc: RecipeDoc = {
  recipe: 'sanboot',
  name: 'whole image as a BIOS disk (sanboot)',
  examples: 'small BIOS tools: firmware updaters, DOS images, hybrid rescue ISOs up to 256 MiB',
  recognisedBy: 'no recipe above matched; image ≤ 256 MiB with a BIOS no-emulation El Torito entry',
  served: "the whole ISO, read by iPXE's HTTP SAN disk (INT 13h) on demand",
  firmware: 'BIOS',
  ram: '64 MiB',
  limits: ["an operating system's own drivers cannot see the SAN disk once its kernel starts: only tools that use the BIOS to the end work"],
};

export const efiProgramDoc: RecipeDoc = {
  recipe: 'efi-program',
  name: 'EFI program',
  examples: 'small UEFI tools whose removable-media loader is self-contained',
  recognisedBy: 'no recipe above matched; image ≤ 256 MiB with `/EFI/BOOT/BOOT*.EFI`',
  served: 'that EFI binary, started by iPXE',
  firmware: 'UEFI',
  ram: '64 MiB',
  limits: ['a loader that is GRUB or shim looks for its configuration on a disk the client does not have'],
};

const EMULATION_REASON = "its BIOS boot entry emulates a floppy or hard disk, which iPXE's sanboot cannot start (that needs memdisk, not bundled yet)";

export async function fallbackPlans(ctx: RecipeContext, why: string[]): Promise<RecipeResult> {
  const windows = await detectWindows(ctx);
  if (windows) return { recipe: 'none', plans: [unbootable(windows)] };

  const size = ctx.sizeBytes;
  const small = size !== undefined && size <= SANBOOT_MAX_BYTES;
  const bios = await biosBootable(ctx);
  const plans: BootPlan[] = [];
  if (small && bios !== false && bios !== 'emulation') {
    plans.push({
      id: 'sanboot',
      recipe: 'sanboot',
      title: 'Whole image as a BIOS disk (iPXE sanboot over HTTP)',
      via: 'sanboot',
      initrds: [],
      minRamMiB: 64,
      firmware: ['bios'],
    });
  }
  const efi = small ? await efiProgram(ctx) : null;
  if (efi) {
    // A small image's removable-media EFI loader is usually a self-contained tool (memtest86+,
    // firmware updaters): iPXE can load and start it directly. Large images' loaders are GRUB or
    // shim, which would look for their config on a disk the client does not have.
    plans.push({
      id: 'efi',
      recipe: 'efi-program',
      title: `EFI program ${efi.path} (UEFI)`,
      via: 'http',
      kernel: efi.path,
      initrds: [],
      minRamMiB: 64,
      firmware: ['uefi'],
    });
  }
  if (plans.length > 0) {
    // A BIOS client should read why it gets nothing, not only "needs UEFI".
    if (!plans.some((p) => p.firmware.includes('bios')) && bios === 'emulation') {
      plans.push({ ...unbootable(EMULATION_REASON), firmware: ['bios'] });
    }
    return { recipe: plans[0]!.recipe, plans, ...(efi ? { arch: efi.arch } : {}) };
  }

  const reasons = [...why];
  if (size !== undefined && size > SANBOOT_MAX_BYTES) {
    reasons.push(`too large (${Math.round(size / 1024 / 1024)} MiB) to boot as a SAN disk: its system could not see the disk after its kernel starts`);
  } else if (size === undefined) {
    reasons.push('image size unknown, so sanboot was not offered');
  } else if (bios === false) {
    reasons.push('the image has no BIOS El Torito boot entry, so sanboot cannot start it');
  } else if (bios === 'emulation') {
    reasons.push(EMULATION_REASON);
  }
  return { recipe: 'none', plans: [unbootable(`No boot recipe: ${reasons.join('; ') || 'no Linux kernel found'}`)] };
}

function unbootable(reason: string): BootPlan {
  return { id: 'none', recipe: 'none', title: 'Cannot be network-booted yet', via: 'none', initrds: [], firmware: ['bios', 'uefi'], unbootableReason: reason };
}

async function detectWindows(ctx: RecipeContext): Promise<string | null> {
  if ((await ctx.stat('/sources/boot.wim')) || ((await ctx.stat('/bootmgr')) && (await ctx.stat('/sources')))) {
    return 'Windows media (sources/boot.wim) without boot/boot.sdi or a BCD: wimboot has nothing to start';
  }
  // Windows media built as UDF-only keep a single README in their ISO 9660 view.
  const root = (await ctx.list('/')).filter((e) => !e.name.startsWith('['));
  if (ctx.udf && root.length <= 2) {
    return 'The image keeps its files in UDF (its ISO 9660 part is nearly empty) and its UDF side could not be read';
  }
  if (root.length > 0 && root.length <= 2 && root.some((e) => /^readme\.txt$/i.test(e.name))) {
    const readme = (await ctx.readText(root.find((e) => /^readme\.txt$/i.test(e.name))!.path, 8192)) ?? '';
    if (/\bUDF\b/i.test(readme)) {
      return 'The image keeps its files in UDF (its ISO 9660 part only holds a README) and its UDF side could not be read';
    }
  }
  return null;
}

const EFI_LOADERS: Array<[string, string]> = [
  ['BOOTX64.EFI', 'x86_64'],
  ['BOOTAA64.EFI', 'aarch64'],
  ['BOOTIA32.EFI', 'i686'],
];

async function efiProgram(ctx: RecipeContext): Promise<{ path: string; arch: string } | null> {
  for (const [name, arch] of EFI_LOADERS) {
    const st = await ctx.stat(`/EFI/BOOT/${name}`);
    if (st?.kind === 'file') return { path: st.path, arch };
  }
  return null;
}

/**
 * From the El Torito catalog when the reader gave it, else from the reader's /[BOOT] directory
 * or loader files: true (a BIOS no-emulation entry: iPXE's INT 13h El Torito code starts only
 * those), 'emulation' (floppy/hard-disk emulation only), false (no BIOS entry), undefined (unknown).
 */
async function biosBootable(ctx: RecipeContext): Promise<boolean | 'emulation' | undefined> {
  if (ctx.bootCatalog) {
    const bios = ctx.bootCatalog.filter((e) => e.platform === 'bios');
    if (bios.some((e) => e.media === 'no-emulation')) return true;
    return bios.length > 0 ? 'emulation' : false;
  }
  const boot = await ctx.stat('/[BOOT]');
  if (boot?.kind === 'dir') {
    const images = await ctx.list(boot.path);
    return images.some((e) => /^bios/i.test(e.name));
  }
  if ((await ctx.stat('/isolinux/isolinux.bin')) || (await ctx.stat('/boot/isolinux/isolinux.bin')) || (await ctx.stat('/boot/grub/i386-pc'))) return true;
  return undefined;
}
