import type { BootPlan, WimbootFile } from '../../shared/api.ts';
import type { RecipeDoc } from './recipe-doc.ts';
import { fileSize, roundRamMiB, type Recipe, type RecipeContext, type RecipeResult } from './recipe.ts';

/**
 * Windows PE and Windows Setup media (sources/boot.wim, boot/boot.sdi, a BCD, bootmgr and/or
 * bootmgfw.efi) boot through wimboot: iPXE loads wimboot as the kernel and hands it the Windows
 * boot files by name; wimboot builds a virtual disk from them for bootmgr (BIOS) or
 * bootmgfw.efi (UEFI), which then loads boot.wim as a RAM disk. Every file comes over HTTP
 * straight from the image.
 */

export const windowsDoc: RecipeDoc = {
  recipe: 'windows',
  name: 'Windows PE and Setup (wimboot)',
  examples: 'Windows 10/11 and Windows Server installation media, WinPE-based tool media',
  recognisedBy: '`/sources/boot.wim` and `/boot/boot.sdi`, with `bootmgr` + `boot/bcd` (BIOS) and/or `efi/microsoft/boot/bcd` (UEFI)',
  served: 'wimboot as the kernel; bootmgr or bootmgfw.efi, the BCD, boot.sdi and boot.wim by name over HTTP from the image; Setup reaches install.wim through an SMB share of the ISO (docs/windows-setup.md)',
  firmware: 'BIOS, UEFI (as the medium provides them)',
  ram: 'boot.wim + 512 MiB (WinPE) or 1 GiB (Setup)',
  limits: [
    'Bootcast does not bundle wimboot: the technician supplies it (`<data-dir>/wimboot` or `--wimboot PATH`); until then the plan says it cannot boot',
    'not booted in CI: the BIOS test checks that iPXE fetches every Windows file whole but runs no real bootmgr; the UEFI boot through wimboot (to a stand-in bootmgfw.efi) runs only with BOOTCAST_TEST_WIMBOOT set',
  ],
};

/** WinPE's own working set beside the RAM disk; Microsoft asks 512 MiB for WinPE, Setup more. */
const WINPE_RUNTIME_BYTES = 512 * 1024 * 1024;
const SETUP_RUNTIME_BYTES = 1024 * 1024 * 1024;

/** The names wimboot and bootmgr look files up by (case matters to neither, but this is Microsoft's spelling). */
export const WIMBOOT_NAMES = { bootmgr: 'bootmgr', bootmgfw: 'bootmgfw.efi', bcd: 'BCD', sdi: 'boot.sdi', wim: 'boot.wim' } as const;

export const windowsRecipe: Recipe = {
  name: 'windows',
  async detect(ctx: RecipeContext): Promise<RecipeResult | null> {
    const wim = await file(ctx, '/sources/boot.wim');
    if (!wim) return null;
    const sdi = await file(ctx, '/boot/boot.sdi');
    const biosBcd = await file(ctx, '/boot/bcd');
    const efiBcd = (await file(ctx, '/efi/microsoft/boot/bcd')) ?? biosBcd;
    const bootmgr = await file(ctx, '/bootmgr');
    // Windows media carry the same bootmgfw.efi as the removable-media loader.
    const bootmgfw = (await file(ctx, '/efi/microsoft/boot/bootmgfw.efi')) ?? (await file(ctx, '/efi/boot/bootx64.efi'));
    if (!sdi) {
      ctx.note('windows: sources/boot.wim is there but boot/boot.sdi is not; wimboot needs both');
      return null;
    }
    const kind = (await windowsKind(ctx))!;

    const files: WimbootFile[] = [];
    const firmware: BootPlan['firmware'] = [];
    if (bootmgr && biosBcd) {
      firmware.push('bios');
      files.push({ name: WIMBOOT_NAMES.bootmgr, path: bootmgr, firmware: 'bios' });
      if (efiBcd !== biosBcd) files.push({ name: WIMBOOT_NAMES.bcd, path: biosBcd, firmware: 'bios' });
    } else {
      ctx.note(`windows: no BIOS boot (${bootmgr ? 'boot/bcd' : 'bootmgr'} is missing)`);
    }
    if (efiBcd) {
      firmware.push('uefi');
      // Without bootmgfw.efi on the medium wimboot takes it from boot.wim (\Windows\Boot\EFI).
      if (bootmgfw) files.push({ name: WIMBOOT_NAMES.bootmgfw, path: bootmgfw, firmware: 'uefi' });
      if (efiBcd !== biosBcd) files.push({ name: WIMBOOT_NAMES.bcd, path: efiBcd, firmware: 'uefi' });
    }
    if (firmware.length === 0) {
      ctx.note('windows: no BCD (boot/bcd or efi/microsoft/boot/bcd): bootmgr would not know what to start');
      return null;
    }
    if (efiBcd === biosBcd) files.push({ name: WIMBOOT_NAMES.bcd, path: efiBcd! });
    files.push({ name: WIMBOOT_NAMES.sdi, path: sdi }, { name: WIMBOOT_NAMES.wim, path: wim });

    const wimEntry = await ctx.stat(wim);
    const ram = fileSize(wimEntry) + (kind === 'Windows Setup' ? SETUP_RUNTIME_BYTES : WINPE_RUNTIME_BYTES);
    const plan: BootPlan = {
      id: 'wimboot',
      recipe: 'windows',
      title: `${kind} (wimboot)`,
      via: 'wimboot',
      initrds: files.map((f) => f.path),
      wimbootFiles: files,
      minRamMiB: roundRamMiB(ram),
      firmware,
      ...(kind === 'Windows Setup' ? { windowsSetup: true } : {}),
    };
    if (kind === 'Windows Setup') {
      ctx.note('windows: Setup starts from boot.wim but looks for sources/install.wim on a drive: bootcast serve shares the ISO over SMB for it (docs/windows-setup.md)');
    }
    // wimboot is x86 only (BIOS and x86_64 UEFI); arm64 Windows media have no bootmgr.
    return { recipe: 'windows', plans: [plan], arch: 'x86_64' };
  },
};

/** 'Windows Setup' when the medium carries an install image or setup.exe, 'Windows PE' for other boot.wim media. */
export async function windowsKind(ctx: RecipeContext): Promise<'Windows Setup' | 'Windows PE' | null> {
  if (!(await file(ctx, '/sources/boot.wim'))) return null;
  for (const p of ['/sources/install.wim', '/sources/install.esd', '/sources/install.swm', '/setup.exe']) if (await file(ctx, p)) return 'Windows Setup';
  return 'Windows PE';
}

async function file(ctx: RecipeContext, path: string): Promise<string | null> {
  const e = await ctx.stat(path);
  return e?.kind === 'file' ? e.path : null;
}
