import { placeholder } from '../../cmdline-template.ts';
import { type InitramfsFamily, MIB, insertBeforeSeparator, without } from './family.ts';

/**
 * Alpine: `modloop=<URL of boot/modloop-*>` and `alpine_repo=<URL of apks/>` with `ip=dhcp`, the
 * initramfs (nlplug-findfs) fetching both over HTTP. The ISO's initramfs carries few NIC
 * drivers: the netboot flavour (initramfs-*, used by Alpine's own netboot images) loads them from
 * modloop, which it must first download, so only NICs whose driver the initramfs holds work;
 * the plan says so rather than failing silently.
 */
export const alpineFamily: InitramfsFamily = {
  id: 'alpine',
  doc: {
    recipe: 'generic-linux/alpine',
    name: 'Alpine',
    examples: 'Alpine standard/extended/virt ISOs',
    recognisedBy: 'kernel `/boot/vmlinuz-<flavour>`, `/boot/modloop-<flavour>` and `/apks`',
    served: 'kernel + initramfs; `modloop=` and `alpine_repo=` pointing at the image, `ip=dhcp`',
    firmware: 'BIOS, UEFI',
    ram: 'modloop + 512 MiB',
    limits: [
      "the ISO's initramfs is built to boot from the disc and may lack the client's NIC driver (the rest of the drivers are in modloop, which comes over that network): if the client never gets an address, boot Alpine's netboot files instead",
    ],
  },
  async adapt({ ctx, kernel, words: w }) {
    const flavour = /^\/boot\/vmlinuz-(.+)$/i.exec(kernel);
    if (!flavour || !(await ctx.stat('/apks'))) return null;
    const loop = await ctx.stat(`/boot/modloop-${flavour[1]}`);
    if (!loop) return null;
    const kept = without(w, /^(modloop|alpine_repo|alpine_dev|ip|apkovl)=/);
    return {
      family: 'alpine',
      cmdline: insertBeforeSeparator(kept, ['ip=dhcp', `modloop=${placeholder('image_url')}${loop.path}`, `alpine_repo=${placeholder('image_url')}/apks`]).join(' '),
      ramBytes: loop.size + 512 * MIB,
      how: 'modloop and packages over HTTP',
      limits: alpineFamily.doc.limits,
    };
  },
};
