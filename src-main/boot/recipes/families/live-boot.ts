import { placeholder } from '../../cmdline-template.ts';
import type { ImageEntry } from '../../../iso/image-files.ts';
import type { RecipeContext } from '../recipe.ts';
import { type FamilyAdaptation, type InitramfsFamily, MIB, has, insertBeforeSeparator, without } from './family.ts';

/**
 * live-boot (Debian Live and its derivatives). `fetch=<URL>` makes the initramfs bring the NIC up
 * by DHCP itself (its own ip= syntax differs from klibc's, so none is added) and download the URL
 * (live-boot's 9990-mount-http.sh, do_httpmount):
 *   - a `.squashfs` into a ramfs at /run/live/medium/live: the root is that one layer;
 *   - an `.iso` into /media on the initramfs root, loop-mounted at /run/live/medium as if from a
 *     disc: the root is every layer the medium lists (9990-overlay.sh: `<module>.module`, else all
 *     of live/*.squashfs), and the rest of the medium stays reachable.
 * The initramfs root is a tmpfs, which the kernel caps at half the RAM: the ISO must fit there.
 * live-boot does not notice when it does not: wget stops at "short write: No space left on device"
 * and the truncated ISO is loop-mounted anyway (seen with a 354 MB ISO in 512 MiB; 1 GiB boots).
 *
 * Which plan is the default: the squashfs alone costs less RAM, but boots only a medium whose root
 * is one layer. A medium whose root is several layers (Tails after incremental upgrades, stacked
 * live-build modules) gets the whole ISO only: one layer of it would boot an incomplete or outdated
 * system. A boot entry that names `module=` (Tails) reads its layer list from the medium, so it
 * gets the whole ISO by default, the squashfs as the alternative.
 *
 * Not used: `findiso=` looks for the ISO inside a file system on a block device. `fromiso=/x.iso`
 * reads like it could mount an ISO placed in the initramfs (Bootcast's ISO-in-initrd cpio, as for
 * Proxmox), reached from check_dev through a `live-media=` value; tried here with Debian 12's
 * live-boot (`fromiso=/x.iso live-media=/x.iso`, the cpio appended to its initrd), it stops at
 * "Unable to find a medium containing a live file system". fetch= downloads the ISO once, after
 * the kernel runs, and boots.
 *
 * `toram` is dropped: fetch= already put the root in RAM, toram would copy it a second time.
 */
const TAILS_LIMIT = 'Tails: untested here (no Tails image in CI); a network-booted Tails has no USB stick, so no Persistent Storage and no upgrades';

export const liveBootFamily: InitramfsFamily = {
  id: 'live-boot',
  doc: {
    recipe: 'generic-linux/live-boot',
    name: 'live-boot',
    examples: 'Debian Live, Kali, Clonezilla, GParted Live, Tails, MX Linux, antiX',
    recognisedBy: '`boot=live` in the boot entry or a kernel under `/live/`, and a squashfs in `/live`',
    served:
      'kernel + initrd; plan http: `fetch=<URL of the live/*.squashfs>` (that one layer downloaded into RAM); plan iso: `fetch=<URL of the whole ISO>` (downloaded into RAM and loop-mounted like the disc: every layer). ' +
      'Default: http for a one-layer medium; iso when the medium lists several layers (http not offered then) or the entry names `module=` (Tails: its layer list lives on the medium)',
    firmware: 'BIOS, UEFI',
    ram: 'http: squashfs + 768 MiB; iso: twice the ISO (the initramfs tmpfs takes at most half the RAM), at least ISO + 768 MiB',
    limits: [
      'plan http boots one squashfs: media with several layers get plan iso only',
      TAILS_LIMIT,
    ],
  },
  async adapt({ ctx, kernel, words: w }) {
    if (!(has(w, /^boot=live$/) || /^\/live\//i.test(kernel))) return null;
    const module = w.find((x) => x.startsWith('module='))?.slice('module='.length);
    const layers = await rootLayers(ctx, module ?? 'filesystem');
    if (layers.length === 0) return null;
    // Words holding the boot menu's own variables (GRUB's `findiso=${iso_path}`) mean nothing over
    // the network, and iPXE would expand them to empty strings.
    const kept = without(w, /^(fetch|findiso|fromiso|isofrom|httpfs|ftpfs|netboot|live-media|live-media-path|toram)=/, /^(boot=|toram$)/, /\$\{/);
    const cmdline = (url: string) => ['boot=live', ...insertBeforeSeparator(kept, [`fetch=${url}`])].join(' ');
    const isoBytes = ctx.sizeBytes ?? layers.reduce((n, l) => n + l.size, 0);
    const limits = module?.toLowerCase() === 'tails' ? { limits: [TAILS_LIMIT] } : {};
    const wholeIso: FamilyAdaptation = {
      ...limits,
      family: 'live-boot',
      planId: 'iso',
      cmdline: cmdline(placeholder('iso_url')),
      ramBytes: Math.max(2 * isoBytes, isoBytes + 768 * MIB),
      how: layers.length > 1 ? `live system, the whole ISO over HTTP into RAM (${layers.length} layers)` : 'live system, the whole ISO over HTTP into RAM',
    };
    if (layers.length > 1) return wholeIso;
    const squash = layers[0]!;
    const oneLayer: FamilyAdaptation = {
      ...limits,
      family: 'live-boot',
      planId: 'http',
      cmdline: cmdline(`${placeholder('image_url')}${squash.path}`),
      ramBytes: squash.size + 768 * MIB,
      how: `live system, ${squash.name} over HTTP into RAM`,
    };
    return module ? { ...wholeIso, alternatives: [oneLayer] } : { ...oneLayer, alternatives: [wholeIso] };
  },
};

/**
 * The squashfs layers live-boot stacks into the root, as 9990-overlay.sh finds them in /live:
 * the names in `filesystem.<module>.module` or `<module>.module` when one exists, else every
 * `*.squashfs` there.
 */
async function rootLayers(ctx: RecipeContext, module: string): Promise<ImageEntry[]> {
  const files = (await ctx.list('/live')).filter((e) => e.kind === 'file');
  const listed = (await ctx.readText(`/live/filesystem.${module}.module`, 64 * 1024)) ?? (await ctx.readText(`/live/${module}.module`, 64 * 1024));
  if (listed !== null) {
    const names = listed.split(/\s+/).filter(Boolean);
    const found = names.map((n) => files.find((f) => f.name.toLowerCase() === n.toLowerCase())).filter((f): f is ImageEntry => f !== undefined);
    if (found.length === names.length && found.length > 0) return found;
    ctx.note(`live-boot: /live/${module}.module lists ${names.join(', ') || 'nothing'}, not all of which are in /live`);
  }
  return files.filter((f) => /\.squashfs$/i.test(f.name));
}
