import { splitCmdline } from '../boot-config/boot-entry.ts';
import { placeholder } from '../cmdline-template.ts';
import { type RecipeContext, fileSize } from './recipe.ts';

/**
 * How a live/installer initramfs finds its root file system, and the parameters that make it
 * fetch that over HTTP from the image instead of looking for the CD:
 * - casper (Ubuntu): `url=<whole ISO>` downloads the ISO into RAM and loop-mounts it (19.10+);
 * - live-boot (Debian live): `fetch=<squashfs URL>` downloads the squashfs into RAM;
 * - dracut dmsquash-live (Fedora live): `root=live:<squashfs URL>` via the livenet module;
 * - anaconda (Fedora/RHEL installers): `inst.stage2=<tree URL>` (or `inst.repo=` for a full DVD
 *   tree), anaconda reading .treeinfo there;
 * - Alpine: `modloop=<URL of boot/modloop-*>` and `alpine_repo=<URL of apks/>` with `ip=dhcp`
 *   (Alpine's netboot parameters), the initramfs fetching both over HTTP;
 * - linuxrc (openSUSE/SLE installers): `install=<tree URL>`; linuxrc configures the NIC by DHCP.
 */
export interface FamilyAdaptation {
  family: 'casper' | 'live-boot' | 'dracut-live' | 'anaconda' | 'alpine' | 'linuxrc' | 'as-is';
  cmdline: string;
  /** What the client must hold in RAM beyond kernel and initramfs, bytes. */
  ramBytes: number;
  /** One line for the plan title: "whole ISO over HTTP", … */
  how: string;
  note?: string;
}

const MIB = 1024 * 1024;

function words(cmdline: string): string[] {
  return splitCmdline(cmdline);
}

function without(list: string[], ...patterns: RegExp[]): string[] {
  return list.filter((w) => !patterns.some((p) => p.test(w)));
}

/** Media checks read the CD: impossible over the network, and they halt the boot. */
const MEDIA_CHECK = [/^rd\.live\.check$/, /^check$/, /^integrity-check$/, /^inst\.mediacheck$/, /^rd\.live\.check=/];

/** Inserts `add` before a `---` separator (arguments after it are copied to the installed system). */
function insert(list: string[], add: string[]): string[] {
  const sep = list.indexOf('---');
  return sep < 0 ? [...list, ...add] : [...list.slice(0, sep), ...add, ...list.slice(sep)];
}

export async function adaptForNetwork(ctx: RecipeContext, kernel: string, append: string): Promise<FamilyAdaptation> {
  const w = without(words(append), ...MEDIA_CHECK);
  const has = (re: RegExp): boolean => w.some((x) => re.test(x));

  // anaconda first: installer media also carry LiveOS/ or images/ and dracut parameters.
  if (has(/^inst\.(stage2|repo)=/) || (!has(/^root=live:/) && (await ctx.stat('/.treeinfo')) && (await ctx.stat('/images/install.img')))) {
    const fullTree = (await ctx.stat('/Packages')) ?? (await ctx.stat('/BaseOS/Packages')) ?? (await ctx.stat('/repodata'));
    const param = fullTree ? `inst.repo=${placeholder('image_url')}` : `inst.stage2=${placeholder('image_url')}`;
    const kept = without(w, /^inst\.(stage2|repo)=/, /^ip=/, /^rd\.neednet=/);
    const installImg = await ctx.stat('/images/install.img');
    return {
      family: 'anaconda',
      cmdline: [...kept, param, 'ip=dhcp', 'rd.neednet=1'].join(' '),
      ramBytes: fileSize(installImg) + 1536 * MIB,
      how: fullTree ? 'installer, packages from the image over HTTP' : 'installer, stage 2 over HTTP',
    };
  }

  if (has(/^root=live:/) || has(/^rd\.live\.image$/)) {
    const squash = await findFirst(ctx, '/LiveOS', [/^squashfs\.img$/i, /^rootfs\.img$/i, /\.(img|squashfs|erofs)$/i]);
    if (squash) {
      const kept = without(w, /^root=/, /^rd\.live\.image$/, /^ip=/, /^rd\.neednet=/);
      return {
        family: 'dracut-live',
        cmdline: [...kept, `root=live:${placeholder('image_url')}${squash.path}`, 'rd.live.image', 'rd.neednet=1', 'ip=dhcp'].join(' '),
        ramBytes: squash.size + 1024 * MIB,
        how: `live system, ${squash.name} over HTTP into RAM`,
      };
    }
  }

  const modloop = /^\/boot\/vmlinuz-(.+)$/i.exec(kernel);
  if (modloop && (await ctx.stat('/apks'))) {
    const loop = await ctx.stat(`/boot/modloop-${modloop[1]}`);
    if (loop) {
      const kept = without(w, /^(modloop|alpine_repo|alpine_dev|ip|apkovl)=/);
      return {
        family: 'alpine',
        cmdline: [...kept, 'ip=dhcp', `modloop=${placeholder('image_url')}${loop.path}`, `alpine_repo=${placeholder('image_url')}/apks`].join(' '),
        ramBytes: loop.size + 512 * MIB,
        how: 'modloop and packages over HTTP',
      };
    }
  }

  if (/^\/boot\/[^/]+\/loader\//i.test(kernel) && !has(/^root=live:/) && ((await ctx.stat('/media.1')) || (await ctx.stat('/content')))) {
    const kept = without(w, /^(install|instsys|ifcfg)=/);
    return {
      family: 'linuxrc',
      cmdline: [...kept, `install=${placeholder('image_url')}`].join(' '),
      ramBytes: 1024 * MIB,
      how: 'installer, packages from the image over HTTP',
    };
  }

  if (has(/^boot=casper$/) || /^\/casper\//i.test(kernel)) {
    const squashes = (await ctx.list('/casper')).filter((e) => e.kind === 'file' && /\.squashfs$/i.test(e.name));
    const isoBytes = ctx.sizeBytes ?? squashes.reduce((n, e) => n + e.size, 0);
    // url= is also cloud-init's config URL on server ISOs: without cloud-config-url=/dev/null
    // cloud-init downloads the whole ISO a second time as its "config".
    const kept = without(w, /^(url|iso-url|iso-scan\/filename|ip|cloud-config-url|boot)=/);
    return {
      family: 'casper',
      cmdline: insert(kept, ['boot=casper', `url=${placeholder('iso_url')}`, 'ip=dhcp', 'cloud-config-url=/dev/null']).join(' '),
      ramBytes: isoBytes + 1024 * MIB,
      how: 'whole ISO over HTTP into RAM',
    };
  }

  if (has(/^boot=live$/) || /^\/live\//i.test(kernel)) {
    const squash = await findFirst(ctx, '/live', [/^filesystem\.squashfs$/i, /\.squashfs$/i]);
    if (squash) {
      // live-boot brings the NIC up by DHCP itself when fetch= is given; its own ip= syntax differs from klibc's.
      const kept = without(w, /^(fetch|findiso|httpfs|ftpfs|netboot|live-media|live-media-path)=/, /^boot=/);
      return {
        family: 'live-boot',
        cmdline: ['boot=live', ...kept, `fetch=${placeholder('image_url')}${squash.path}`].join(' '),
        ramBytes: squash.size + 768 * MIB,
        how: `live system, ${squash.name} over HTTP into RAM`,
      };
    }
  }

  return {
    family: 'as-is',
    cmdline: w.join(' '),
    ramBytes: 512 * MIB,
    how: 'kernel and initrd over HTTP, command line as on the medium',
    note: 'no network parameters known for this initramfs: after the kernel starts it may look for the CD and stop',
  };
}

async function findFirst(ctx: RecipeContext, dir: string, patterns: RegExp[]): Promise<{ path: string; name: string; size: number } | null> {
  const files = (await ctx.list(dir)).filter((e) => e.kind === 'file');
  for (const p of patterns) {
    const f = files.find((e) => p.test(e.name));
    if (f) return f;
  }
  return null;
}
