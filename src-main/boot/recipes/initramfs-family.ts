import type { RecipeDoc } from './recipe-doc.ts';
import type { RecipeContext } from './recipe.ts';
import { alpineFamily } from './families/alpine.ts';
import { anacondaFamily } from './families/anaconda.ts';
import { casperFamily } from './families/casper.ts';
import { debianInstallerCdFamily, debianInstallerFamily } from './families/debian-installer.ts';
import { dracutLiveFamily } from './families/dracut-live.ts';
import { type FamilyAdaptation, type InitramfsFamily, MIB, without, words } from './families/family.ts';
import { linuxrcFamily } from './families/linuxrc.ts';
import { liveBootFamily } from './families/live-boot.ts';
import { misoFamily } from './families/miso.ts';
import { proxmoxFamily } from './families/proxmox.ts';

export type { FamilyAdaptation } from './families/family.ts';

/**
 * The initramfs families generic-linux knows, in the order they are tried: the first that
 * recognises the chosen boot entry decides the network parameters (each file says how its
 * initramfs fetches its root over HTTP). anaconda comes first because installer media also carry
 * LiveOS/ and dracut parameters; the Debian installer before casper and live-boot because its
 * layout is unambiguous once its initrd has been looked into.
 */
export const INITRAMFS_FAMILIES: readonly InitramfsFamily[] = [
  proxmoxFamily,
  anacondaFamily,
  dracutLiveFamily,
  alpineFamily,
  linuxrcFamily,
  misoFamily,
  debianInstallerFamily,
  debianInstallerCdFamily,
  casperFamily,
  liveBootFamily,
];

/** Media checks read the CD: impossible over the network, and they halt the boot. */
const MEDIA_CHECK = [/^rd\.live\.check$/, /^check$/, /^integrity-check$/, /^inst\.mediacheck$/, /^rd\.live\.check=/];

export const AS_IS_NOTE = 'no network parameters known for this initramfs: after the kernel starts it may look for the CD and stop';

export const asIsDoc: RecipeDoc = {
  recipe: 'generic-linux/as-is',
  name: 'other Linux media',
  examples: 'any medium whose isolinux/GRUB/systemd-boot config names a kernel no family above recognises',
  recognisedBy: 'a Linux entry in the boot menus (the default, else the first that is not a memory test or tool)',
  served: 'kernel + initrds over HTTP, command line as on the medium (media checks removed)',
  firmware: 'BIOS, UEFI',
  ram: '512 MiB + 3× boot files',
  limits: [AS_IS_NOTE],
};

export async function adaptForNetwork(ctx: RecipeContext, kernel: string, append: string, initrds: readonly string[] = []): Promise<FamilyAdaptation> {
  const w = without(words(append), ...MEDIA_CHECK);
  for (const family of INITRAMFS_FAMILIES) {
    const adapted = await family.adapt({ ctx, kernel, initrds, words: w });
    if (adapted) return adapted;
  }
  return {
    family: 'as-is',
    cmdline: w.join(' '),
    ramBytes: 512 * MIB,
    how: 'kernel and initrd over HTTP, command line as on the medium',
    note: AS_IS_NOTE,
    limits: [AS_IS_NOTE],
  };
}
