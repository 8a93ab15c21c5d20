import type { RecipeDoc } from './recipe-doc.ts';
import type { Recipe } from './recipe.ts';

/**
 * VMware ESXi installers: /boot.cfg lists `kernel=` and `modules=`, started by mboot.c32 (BIOS,
 * a syslinux COM32 module) or /EFI/BOOT/BOOTX64.EFI (mboot.efi, UEFI). Over the network mboot
 * must be given a boot.cfg whose `prefix=` is the image's URL and whose module paths are relative
 * (the medium's are absolute: "/b.b00"), and on BIOS it needs a pxelinux environment that iPXE
 * does not provide. Bootcast does not generate that boot.cfg yet, so the image is explained, not booted.
 */
const REASON =
  "VMware ESXi installer: its loader (mboot) needs boot.cfg rewritten with prefix=<image URL> and relative module paths, which Bootcast does not generate yet; on BIOS mboot.c32 also needs pxelinux, which iPXE does not provide";

export const esxiDoc: RecipeDoc = {
  recipe: 'none',
  name: 'VMware ESXi',
  examples: 'ESXi 6.7, 7, 8 installer ISOs',
  recognisedBy: '`/boot.cfg` with `kernel=` and `modules=`, and `mboot.c32` or `/EFI/BOOT/BOOTX64.EFI`',
  served: 'nothing yet',
  firmware: '—',
  ram: '—',
  limits: [REASON],
};

export const esxiRecipe: Recipe = {
  name: 'esxi',
  async detect(ctx) {
    const cfg = await ctx.readText('/boot.cfg', 64 * 1024);
    if (!cfg || !/^\s*kernel\s*=/im.test(cfg) || !/^\s*modules\s*=/im.test(cfg)) return null;
    if (!(await ctx.stat('/mboot.c32')) && !(await ctx.stat('/EFI/BOOT/BOOTX64.EFI'))) return null;
    return {
      recipe: 'none',
      plans: [{ id: 'none', recipe: 'none', title: 'Cannot be network-booted yet', via: 'none', initrds: [], firmware: ['bios', 'uefi'], unbootableReason: REASON }],
      arch: 'x86_64',
    };
  },
};
