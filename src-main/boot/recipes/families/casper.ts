import { placeholder } from '../../cmdline-template.ts';
import { type InitramfsFamily, MIB, has, insertBeforeSeparator, without } from './family.ts';

/**
 * casper (Ubuntu and derivatives): `url=<whole ISO>` makes the initramfs download the ISO into
 * RAM and loop-mount it (casper 1.410+, Ubuntu 19.10+). `url=` is also cloud-init's config URL on
 * server ISOs: without `cloud-config-url=/dev/null` cloud-init downloads the whole ISO a second
 * time as its "config". Linux Mint ends its entries with `--`: the parameters go before it.
 */
export const casperFamily: InitramfsFamily = {
  id: 'casper',
  doc: {
    recipe: 'generic-linux/casper',
    name: 'casper',
    examples: 'Ubuntu desktop/server (19.10+), Kubuntu, Xubuntu, Linux Mint, Pop!_OS, elementary OS, Zorin OS',
    recognisedBy: '`boot=casper` in the boot entry or a kernel under `/casper/`',
    served: 'kernel + initrd; `url=<whole ISO URL>` (casper downloads the ISO into RAM), `ip=dhcp`',
    firmware: 'BIOS, UEFI',
    ram: 'whole ISO + 1 GiB',
    limits: ['Ubuntu releases before 19.10 have no `url=` in casper'],
  },
  async adapt({ ctx, kernel, words: w }) {
    if (!(has(w, /^boot=casper$/) || /^\/casper\//i.test(kernel))) return null;
    const squashes = (await ctx.list('/casper')).filter((e) => e.kind === 'file' && /\.squashfs$/i.test(e.name));
    const isoBytes = ctx.sizeBytes ?? squashes.reduce((n, e) => n + e.size, 0);
    const kept = without(w, /^(url|iso-url|iso-scan\/filename|ip|cloud-config-url|boot)=/);
    return {
      family: 'casper',
      cmdline: insertBeforeSeparator(kept, ['boot=casper', `url=${placeholder('iso_url')}`, 'ip=dhcp', 'cloud-config-url=/dev/null']).join(' '),
      ramBytes: isoBytes + 1024 * MIB,
      how: 'whole ISO over HTTP into RAM',
    };
  },
};
