import { placeholder } from '../../cmdline-template.ts';
import { type InitramfsFamily, MIB, insertBeforeSeparator, without } from './family.ts';

/**
 * miso (Manjaro, Garuda and other manjaro-tools builds) and Artix's fork of it: archiso-like
 * mkinitcpio hooks with their own prefix. `<p>basedir=` names the directory holding
 * <arch>/*.sfs; with `ip=` and `<p>_http_srv=<URL ending in />` the PXE hook downloads those
 * layers (rootfs, desktopfs, mhwdfs, livefs) into RAM instead of looking for `<p>label=`.
 */
const PREFIXES = ['miso', 'artix'] as const;

export const misoFamily: InitramfsFamily = {
  id: 'miso',
  doc: {
    recipe: 'generic-linux/miso',
    name: 'miso (manjaro-tools)',
    examples: 'Manjaro, Garuda, BigLinux, Artix (artixbasedir=)',
    recognisedBy: '`misobasedir=` (or `artixbasedir=`) in the boot entry',
    served: 'kernel + initramfs; `ip=dhcp`, `miso_http_srv=<image URL>/` (the hook downloads `<basedir>/<arch>/*.sfs` into RAM)',
    firmware: 'BIOS, UEFI',
    ram: 'all .sfs layers + 1 GiB',
    limits: [],
  },
  async adapt({ ctx, words: w }) {
    for (const p of PREFIXES) {
      const baseWord = w.find((x) => x.startsWith(`${p}basedir=`));
      if (!baseWord) continue;
      const base = baseWord.slice(`${p}basedir=`.length).replace(/^\/+|\/+$/g, '');
      let layers = 0;
      for (const dir of await ctx.list(`/${base}`)) {
        if (dir.kind !== 'dir') continue;
        for (const f of await ctx.list(dir.path)) if (f.kind === 'file' && /\.sfs$/i.test(f.name)) layers += f.size;
      }
      const local = new RegExp(`^(${p}label|${p}device|${p}_http_srv|${p}_nbd_srv|${p}_nfs_srv|ip|BOOTIF|copytoram)=`);
      const kept = without(w, local);
      return {
        family: 'miso',
        cmdline: insertBeforeSeparator(kept, ['ip=dhcp', `${p}_http_srv=${placeholder('image_url')}/`]).join(' '),
        ramBytes: layers + 1024 * MIB,
        how: 'live system, its .sfs layers over HTTP into RAM',
      };
    }
    return null;
  },
};
