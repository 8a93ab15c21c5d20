import { placeholder } from '../../cmdline-template.ts';
import { fileSize } from '../recipe.ts';
import { type InitramfsFamily, MIB, has, insertBeforeSeparator, without } from './family.ts';

/**
 * Fedora/RHEL-family installers (anaconda): `inst.stage2=<tree URL>` fetches the installer's
 * stage 2 (images/install.img, found through .treeinfo there); a full DVD tree gets `inst.repo=`
 * so packages come from the image too. dracut's network module brings the NIC up (ip=dhcp,
 * rd.neednet=1). Checked first: installer media also carry LiveOS/ and dracut parameters.
 */
export const anacondaFamily: InitramfsFamily = {
  id: 'anaconda',
  doc: {
    recipe: 'generic-linux/anaconda',
    name: 'anaconda installer',
    examples: 'Fedora Server/Everything, RHEL, Rocky, Alma, CentOS Stream installers',
    recognisedBy: '`inst.stage2=`/`inst.repo=` in the boot entry, or `.treeinfo` + `images/install.img`',
    served: 'kernel + initrd; `inst.stage2=` (or `inst.repo=` for a DVD tree) pointing at the image over HTTP',
    firmware: 'BIOS, UEFI',
    ram: 'install.img + 1.5 GiB',
    limits: [],
  },
  async adapt({ ctx, words: w }) {
    if (!(has(w, /^inst\.(stage2|repo)=/) || (!has(w, /^root=live:/) && (await ctx.stat('/.treeinfo')) && (await ctx.stat('/images/install.img'))))) return null;
    const fullTree = (await ctx.stat('/Packages')) ?? (await ctx.stat('/BaseOS/Packages')) ?? (await ctx.stat('/repodata'));
    const param = fullTree ? `inst.repo=${placeholder('image_url')}` : `inst.stage2=${placeholder('image_url')}`;
    const kept = without(w, /^inst\.(stage2|repo)=/, /^ip=/, /^rd\.neednet=/);
    const installImg = await ctx.stat('/images/install.img');
    return {
      family: 'anaconda',
      cmdline: insertBeforeSeparator(kept, [param, 'ip=dhcp', 'rd.neednet=1']).join(' '),
      ramBytes: fileSize(installImg) + 1536 * MIB,
      how: fullTree ? 'installer, packages from the image over HTTP' : 'installer, stage 2 over HTTP',
    };
  },
};
