import type { BootPlan } from '../../shared/api.ts';
import { SANBOOT_MAX_BYTES } from './fallback.ts';
import type { RecipeDoc } from './recipe-doc.ts';
import type { Recipe } from './recipe.ts';

/**
 * FreeBSD and the systems built on it (pfSense, OPNsense, TrueNAS CORE, GhostBSD). Their loader
 * reads the kernel through the firmware's disk services, but the kernel then mounts its root from
 * the installation medium by its cd9660 label: iPXE's SAN disk (sanboot) and memdisk exist only
 * for the firmware, so the kernel finds no root and stops at `mountroot>`. A network boot needs
 * an NFS root or a root file system in RAM (mfsroot), which these ISOs do not set up. Images that
 * carry an mfsroot (mfsBSD and its kin) load everything through the loader, so small ones are
 * offered as a BIOS sanboot.
 */
const REASON =
  "FreeBSD-based image: its kernel mounts the root file system from the installation disc, which a network-booted machine does not have (iPXE's SAN disk and memdisk are visible to the loader only, the kernel stops at mountroot>); FreeBSD boots over the network only with an NFS root or an mfsroot image, which this ISO does not provide";

export const freebsdDoc: RecipeDoc = {
  recipe: 'none',
  name: 'FreeBSD family',
  examples: 'FreeBSD, pfSense, OPNsense, TrueNAS CORE, GhostBSD',
  recognisedBy: '`/boot/kernel/kernel` with `/boot/loader*` or `/boot/cdboot`',
  served: 'nothing (mfsroot images ≤ 256 MiB: the whole ISO by BIOS sanboot, untested)',
  firmware: '—',
  ram: '—',
  limits: [REASON],
};

export const freebsdRecipe: Recipe = {
  name: 'freebsd',
  async detect(ctx) {
    const kernel = await ctx.stat('/boot/kernel/kernel');
    if (kernel?.kind !== 'file') return null;
    const loader = (await ctx.stat('/boot/loader')) ?? (await ctx.stat('/boot/loader.efi')) ?? (await ctx.stat('/boot/cdboot'));
    if (!loader) return null;
    const mfsroot = (await ctx.list('/boot')).find((e) => e.kind === 'file' && /^mfsroot(\.gz|\.uzip)?$/i.test(e.name));
    const small = ctx.sizeBytes !== undefined && ctx.sizeBytes <= SANBOOT_MAX_BYTES;
    const plans: BootPlan[] = [];
    if (mfsroot && small) {
      plans.push({
        id: 'sanboot',
        recipe: 'freebsd/mfsroot',
        title: 'Whole image as a BIOS disk (root file system in RAM from mfsroot)',
        via: 'sanboot',
        initrds: [],
        minRamMiB: 512,
        firmware: ['bios'],
        limits: ['UEFI clients cannot boot it: sanboot is BIOS only'],
      });
    }
    plans.push({ id: 'none', recipe: 'none', title: 'Cannot be network-booted', via: 'none', initrds: [], firmware: mfsroot && small ? ['uefi'] : ['bios', 'uefi'], unbootableReason: REASON });
    return { recipe: mfsroot && small ? 'freebsd/mfsroot' : 'none', plans, arch: 'x86_64' };
  },
};
