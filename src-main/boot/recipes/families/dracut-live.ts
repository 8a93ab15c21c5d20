import { placeholder } from '../../cmdline-template.ts';
import { type InitramfsFamily, MIB, findFirst, has, insertBeforeSeparator, without } from './family.ts';

/**
 * dracut live media (dmsquash-live): `root=live:<URL of LiveOS/squashfs.img>` makes dracut's
 * livenet module download the squashfs into RAM and boot it; `rd.neednet=1 ip=dhcp` bring the
 * NIC up with dracut's network module. The CDLABEL= root of the medium cannot be found over the
 * network and is replaced.
 */
export const dracutLiveFamily: InitramfsFamily = {
  id: 'dracut-live',
  doc: {
    recipe: 'generic-linux/dracut-live',
    name: 'dracut live (dmsquash-live)',
    examples: 'Fedora Workstation/Spins live, RHEL/Rocky/Alma live, openSUSE KIWI live',
    recognisedBy: '`root=live:` or `rd.live.image` in the boot entry, and a squashfs/rootfs image in `/LiveOS`',
    served: 'kernel + initrd; `root=live:<URL of LiveOS/squashfs.img>` (dracut livenet downloads it into RAM)',
    firmware: 'BIOS, UEFI',
    ram: 'squashfs + 1 GiB',
    limits: ['the initramfs must contain dracut\'s livenet module (Fedora\'s and RHEL\'s live media do)'],
  },
  async adapt({ ctx, words: w }) {
    if (!(has(w, /^root=live:/) || has(w, /^rd\.live\.image$/))) return null;
    const squash = await findFirst(ctx, '/LiveOS', [/^squashfs\.img$/i, /^rootfs\.img$/i, /\.(img|squashfs|erofs)$/i]);
    if (!squash) return null;
    const kept = without(w, /^root=/, /^rd\.live\.image$/, /^ip=/, /^rd\.neednet=/);
    return {
      family: 'dracut-live',
      cmdline: insertBeforeSeparator(kept, [`root=live:${placeholder('image_url')}${squash.path}`, 'rd.live.image', 'rd.neednet=1', 'ip=dhcp']).join(' '),
      ramBytes: squash.size + 1024 * MIB,
      how: `live system, ${squash.name} over HTTP into RAM`,
    };
  },
};
