import type { BootPlan } from '../../shared/api.ts';
import { placeholder } from '../cmdline-template.ts';
import { encodeImagePath, esxiTreePath } from '../image-urls.ts';
import type { RecipeDoc } from './recipe-doc.ts';
import { type Recipe, fileSize, roundRamMiB } from './recipe.ts';

/**
 * VMware ESXi installers: /boot.cfg lists `kernel=` and `modules=` for mboot, started by
 * mboot.c32 (BIOS, a syslinux COM32 module) or /EFI/BOOT/BOOTX64.EFI (mboot.efi, UEFI).
 *
 * UEFI: iPXE starts mboot.efi with `-c <URL of boot.cfg>`. Bootcast serves the image's tree again
 * under a generated directory (image-urls.ts esxiTreePath) whose boot.cfg is rewritten for the
 * network: no `prefix=` and module paths made relative, so mboot fetches each module from beside
 * boot.cfg over HTTP; `cdromBoot` leaves kernelopt, since there is no disc to install from.
 * BIOS: mboot.c32 needs pxelinux's COM32 environment, which iPXE does not provide.
 */
const BIOS_REASON = "ESXi on BIOS starts through mboot.c32, a pxelinux (syslinux COM32) module that iPXE cannot run; UEFI clients boot it";
const LIMITS = ['untested here: no ESXi image is available to CI', 'ESXi 8 needs 8 GiB of RAM to install (7: 4 GiB)'];

export const esxiDoc: RecipeDoc = {
  recipe: 'esxi',
  name: 'VMware ESXi installer',
  examples: 'ESXi 6.7, 7, 8 installer ISOs',
  recognisedBy: '`/boot.cfg` with `kernel=` and `modules=`, and `/EFI/BOOT/BOOTX64.EFI`',
  served: '`EFI/BOOT/BOOTX64.EFI -c <URL>/boot.cfg`; boot.cfg rewritten (no `prefix=`, relative module paths, no `cdromBoot`), modules over HTTP',
  firmware: 'UEFI (BIOS: not possible, mboot.c32 needs pxelinux)',
  ram: 'modules + 4 GiB',
  limits: [BIOS_REASON, ...LIMITS],
};

/** boot.cfg as served over the network: every path relative to boot.cfg's own URL. */
export function rewriteEsxiBootCfg(text: string): string {
  const relative = (v: string) =>
    v.split(/\s+---\s+/).map((p) => p.trim().replace(/^\/+/, '')).join(' --- ');
  return text
    .split(/\r?\n/)
    .filter((line) => !/^\s*prefix\s*=/i.test(line))
    .map((line) => {
      const m = /^(\s*)(kernel|modules|kernelopt)(\s*=\s*)(.*)$/i.exec(line);
      if (!m) return line;
      const [, lead, key, eq, value] = m;
      if (key!.toLowerCase() === 'kernelopt') return `${lead}${key}${eq}${value!.split(/\s+/).filter((w) => w !== '' && w !== 'cdromBoot').join(' ')}`;
      return `${lead}${key}${eq}${relative(value!)}`;
    })
    .join('\n');
}

export const esxiRecipe: Recipe = {
  name: 'esxi',
  async detect(ctx) {
    const cfg = await ctx.readText('/boot.cfg', 64 * 1024);
    if (!cfg || !/^\s*kernel\s*=/im.test(cfg) || !/^\s*modules\s*=/im.test(cfg)) return null;
    const efi = await ctx.stat('/EFI/BOOT/BOOTX64.EFI');
    const bios: BootPlan = { id: 'none', recipe: 'none', title: 'Cannot be network-booted on BIOS', via: 'none', initrds: [], firmware: ['bios'], unbootableReason: BIOS_REASON };
    if (efi?.kind !== 'file') {
      ctx.note('esxi: boot.cfg found but no /EFI/BOOT/BOOTX64.EFI (mboot.efi)');
      return { recipe: 'none', plans: [{ ...bios, firmware: ['bios', 'uefi'], unbootableReason: `${BIOS_REASON}; this image has no UEFI loader either` }], arch: 'x86_64' };
    }
    let modules = 0;
    for (const m of /^\s*modules\s*=(.*)$/im.exec(cfg)?.[1]?.split(/\s+---\s+/) ?? []) modules += fileSize(await ctx.stat(m.trim()));
    const plan: BootPlan = {
      id: 'http',
      recipe: 'esxi',
      title: 'ESXi installer over HTTP (UEFI)',
      via: 'http',
      kernel: efi.path,
      initrds: [],
      cmdline: `-c ${placeholder('image_url')}/${encodeImagePath(esxiTreePath('/boot.cfg'))}`,
      minRamMiB: roundRamMiB(modules + 4096 * 1024 * 1024),
      firmware: ['uefi'],
      limits: LIMITS,
    };
    return { recipe: 'esxi', plans: [plan, bios], arch: 'x86_64' };
  },
};
