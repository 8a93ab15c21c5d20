import { placeholder } from '../../cmdline-template.ts';
import { type InitramfsFamily, MIB, has, insertBeforeSeparator, without } from './family.ts';

/** openSUSE/SLE installers (linuxrc): `install=<tree URL>`; linuxrc configures the NIC by DHCP itself. */
export const linuxrcFamily: InitramfsFamily = {
  id: 'linuxrc',
  doc: {
    recipe: 'generic-linux/linuxrc',
    name: 'linuxrc installer',
    examples: 'openSUSE Leap/Tumbleweed, SLES installers',
    recognisedBy: 'kernel under `/boot/<arch>/loader/` and `/media.1` or `/content`',
    served: 'kernel + initrd; `install=<image URL>` (linuxrc reads the tree over HTTP)',
    firmware: 'BIOS, UEFI',
    ram: '1 GiB',
    limits: [],
  },
  async adapt({ ctx, kernel, words: w }) {
    if (!/^\/boot\/[^/]+\/loader\//i.test(kernel) || has(w, /^root=live:/)) return null;
    if (!((await ctx.stat('/media.1')) || (await ctx.stat('/content')))) return null;
    const kept = without(w, /^(install|instsys|ifcfg)=/);
    return {
      family: 'linuxrc',
      cmdline: insertBeforeSeparator(kept, [`install=${placeholder('image_url')}`]).join(' '),
      ramBytes: 1024 * MIB,
      how: 'installer, packages from the image over HTTP',
    };
  },
};
