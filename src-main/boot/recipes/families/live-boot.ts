import { placeholder } from '../../cmdline-template.ts';
import { type InitramfsFamily, MIB, findFirst, has, insertBeforeSeparator, without } from './family.ts';

/**
 * live-boot (Debian Live and its derivatives): `fetch=<URL of live/filesystem.squashfs>` makes the
 * initramfs bring the NIC up by DHCP itself (its own ip= syntax differs from klibc's, so none is
 * added) and download the squashfs into RAM.
 */
export const liveBootFamily: InitramfsFamily = {
  id: 'live-boot',
  doc: {
    recipe: 'generic-linux/live-boot',
    name: 'live-boot',
    examples: 'Debian Live, Kali, Clonezilla, GParted Live, Tails, MX Linux, antiX',
    recognisedBy: '`boot=live` in the boot entry or a kernel under `/live/`, and a squashfs in `/live`',
    served: 'kernel + initrd; `fetch=<URL of live/filesystem.squashfs>` (downloaded into RAM)',
    firmware: 'BIOS, UEFI',
    ram: 'squashfs + 768 MiB',
    limits: [],
  },
  async adapt({ ctx, kernel, words: w }) {
    if (!(has(w, /^boot=live$/) || /^\/live\//i.test(kernel))) return null;
    const squash = await findFirst(ctx, '/live', [/^filesystem\.squashfs$/i, /\.squashfs$/i]);
    if (!squash) return null;
    const kept = without(w, /^(fetch|findiso|httpfs|ftpfs|netboot|live-media|live-media-path)=/, /^boot=/);
    return {
      family: 'live-boot',
      cmdline: ['boot=live', ...insertBeforeSeparator(kept, [`fetch=${placeholder('image_url')}${squash.path}`])].join(' '),
      ramBytes: squash.size + 768 * MIB,
      how: `live system, ${squash.name} over HTTP into RAM`,
    };
  },
};
