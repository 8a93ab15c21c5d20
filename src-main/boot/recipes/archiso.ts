import type { BootPlan } from '../../shared/api.ts';
import { splitCmdline } from '../boot-config/boot-entry.ts';
import { readBootConfigs } from '../boot-config/read-boot-configs.ts';
import { placeholder } from '../cmdline-template.ts';
import type { ImageEntry } from '../../iso/image-files.ts';
import type { RecipeDoc } from './recipe-doc.ts';
import { type Recipe, type RecipeContext, type RecipeResult, fileSize, roundRamMiB } from './recipe.ts';

/**
 * archiso media: Arch Linux, SystemRescue, EndeavourOS and other mkarchiso builds.
 * Layout: <base>/boot/<arch>/vmlinuz-* + an initramfs beside it, microcode at
 * <base>/boot/{intel,amd}[-_]ucode.img, the root file system at <base>/<arch>/airootfs.{sfs,erofs}.
 * Their initramfs carries archiso's PXE hooks (docs/README.bootparams in archiso):
 *   archiso_pxe_common: `ip=` brings the NIC up; `BOOTIF=01-<mac with hyphens>` picks it
 *                       (compared with /sys/class/net/*\/address, hence lowercase);
 *   archiso_pxe_http:   `archiso_http_srv=<url ending in />` downloads <base>/<arch>/airootfs.* into RAM;
 *   archiso_pxe_nbd:    `archiso_nbd_srv=<address>` + `archiso_nbd_name=<export>` attaches the whole
 *                       image as /dev/nbd0 and mounts it; the hook passes no port, so nbd-client
 *                       uses the standard 10809.
 */
export const archisoDoc: RecipeDoc = {
  recipe: 'archiso',
  name: 'archiso',
  examples: 'Arch Linux, SystemRescue, EndeavourOS, CachyOS, RebornOS, BlackArch',
  recognisedBy: '`<base>/<arch>/airootfs.sfs` or `.erofs` with `<base>/boot/<arch>/vmlinuz*` and an initramfs beside it',
  served: 'microcode + kernel + initramfs; plan http: `archiso_http_srv=` (root image downloaded into RAM); plan nbd: `archiso_nbd_srv=` + `archiso_nbd_name=` (the whole ISO as an NBD export, read on demand)',
  firmware: 'BIOS, UEFI',
  ram: 'http: root image + 3× boot files + 512 MiB; nbd: 3× boot files + 512 MiB',
  limits: [
    "NBD needs the standard port 10809 (the hook passes no port)",
    "archiso's `archiso_pxe_common`/`archiso_pxe_http` hooks must be in the initramfs (Arch and SystemRescue build them in); a derivative that drops them waits for its disc label and falls to a shell",
  ],
};

export const archisoRecipe: Recipe = {
  name: 'archiso',
  async detect(ctx) {
    for (const dir of await ctx.list('/')) {
      if (dir.kind !== 'dir' || dir.name.startsWith('[')) continue;
      const found = await findArchisoTree(ctx, dir);
      if (found) return plansFor(ctx, found);
    }
    return null;
  },
};

const ARCHES = ['x86_64', 'aarch64', 'i686'];
const MICROCODE = [
  ['intel-ucode.img', 'intel_ucode.img'],
  ['amd-ucode.img', 'amd_ucode.img'],
];
/** Parameters that locate the medium as a local disk: meaningless (and misleading) on the network. */
const LOCAL_MEDIUM_PARAMS = /^(archisolabel|archisodevice|archisosearchuuid|archisosearchfilename|img_label|img_dev|img_loop|archisobasedir|archiso_http_srv|archiso_nbd_srv|archiso_nbd_name|archiso_nfs_srv|ip|BOOTIF|copytoram|initrd)=|^copytoram$/;

interface ArchisoTree {
  baseDir: string;
  arch: string;
  kernel: ImageEntry;
  initramfs: ImageEntry;
  microcode: ImageEntry[];
  rootfs: ImageEntry;
}

async function findArchisoTree(ctx: RecipeContext, dir: ImageEntry): Promise<ArchisoTree | null> {
  for (const arch of ARCHES) {
    const rootfs = (await ctx.stat(`${dir.path}/${arch}/airootfs.sfs`)) ?? (await ctx.stat(`${dir.path}/${arch}/airootfs.erofs`));
    if (!rootfs) continue;
    const bootFiles = (await ctx.list(`${dir.path}/boot/${arch}`)).filter((e) => e.kind === 'file');
    const kernels = bootFiles.filter((e) => /^vmlinuz/i.test(e.name)).sort((a, b) => kernelRank(a.name) - kernelRank(b.name));
    const kernel = kernels[0];
    if (!kernel) {
      ctx.note(`archiso: ${rootfs.path} exists but ${dir.path}/boot/${arch}/ holds no vmlinuz*`);
      continue;
    }
    const flavour = kernel.name.replace(/^vmlinuz-?/i, '');
    const images = bootFiles.filter((e) => /\.img$/i.test(e.name) && !/ucode/i.test(e.name));
    // vmlinuz-linux pairs with initramfs-linux.img; SystemRescue's plain vmlinuz with sysresccd.img.
    const initramfs =
      images.find((e) => flavour !== '' && e.name.toLowerCase() === `initramfs-${flavour}.img`.toLowerCase()) ??
      images.find((e) => /^initramfs/i.test(e.name) && !/fallback/i.test(e.name)) ??
      images.find((e) => !/fallback/i.test(e.name));
    if (!initramfs) {
      ctx.note(`archiso: ${kernel.path} has no initramfs beside it`);
      continue;
    }
    const microcode: ImageEntry[] = [];
    for (const names of MICROCODE) {
      for (const name of names) {
        const e = await ctx.stat(`${dir.path}/boot/${name}`);
        if (e?.kind === 'file') {
          microcode.push(e);
          break;
        }
      }
    }
    return { baseDir: dir.name, arch, kernel, initramfs, microcode, rootfs };
  }
  return null;
}

function kernelRank(name: string): number {
  if (/^vmlinuz-linux$/i.test(name)) return 0;
  if (/^vmlinuz$/i.test(name)) return 1;
  return 2;
}

/** Extra parameters the medium's own default entry passes (console=, iomem=relaxed …), minus the local-medium ones. */
async function extraParams(ctx: RecipeContext, tree: ArchisoTree): Promise<string[]> {
  const { entries } = await readBootConfigs(ctx);
  // The medium's own PXE entries (archiso_pxe.cfg) carry pxelinux-only values like ${pxeserver}: use the local ones.
  const same = entries.filter(
    (e) => e.kind === 'linux' && e.kernel?.toLowerCase() === tree.kernel.path.toLowerCase() && !/\barchiso_(http|nbd|nfs)_srv=/.test(e.append),
  );
  const pick = same.find((e) => e.isDefault) ?? same[0];
  if (!pick) return [];
  return splitCmdline(pick.append).filter((w) => !LOCAL_MEDIUM_PARAMS.test(w) && !w.includes('${') && !w.includes('%'));
}

async function plansFor(ctx: RecipeContext, tree: ArchisoTree): Promise<RecipeResult> {
  const extra = await extraParams(ctx, tree);
  const initrds = [...tree.microcode.map((e) => e.path), tree.initramfs.path];
  const bootBytes = fileSize(tree.kernel) + tree.microcode.reduce((n, e) => n + fileSize(e), 0) + fileSize(tree.initramfs);
  const common = [`archisobasedir=${tree.baseDir}`, 'ip=dhcp', `BOOTIF=01-${placeholder('mac_hyphen')}`];
  const MIB = 1024 * 1024;
  // HTTP copies the root file system into a tmpfs: it must fit in RAM next to the running system.
  const httpRam = roundRamMiB(fileSize(tree.rootfs) + 3 * bootBytes + 512 * MIB);
  // NBD reads blocks on demand: the kernel, the unpacked initramfs and a working set.
  const nbdRam = roundRamMiB(3 * bootBytes + 512 * MIB);
  const http: BootPlan = {
    id: 'http',
    recipe: 'archiso',
    title: 'Live over HTTP (copied to RAM)',
    via: 'http',
    kernel: tree.kernel.path,
    initrds,
    cmdline: [...extra, ...common, `archiso_http_srv=${placeholder('image_url')}/`].join(' '),
    minRamMiB: httpRam,
    firmware: ['bios', 'uefi'],
  };
  const nbd: BootPlan = {
    id: 'nbd',
    recipe: 'archiso',
    title: 'Live over NBD (streamed, less RAM)',
    via: 'nbd',
    kernel: tree.kernel.path,
    initrds,
    cmdline: [...extra, ...common, `archiso_nbd_srv=${placeholder('server')}`, `archiso_nbd_name=${placeholder('nbd_export')}`, 'copytoram=n'].join(' '),
    minRamMiB: nbdRam,
    firmware: ['bios', 'uefi'],
  };
  return { recipe: 'archiso', plans: [http, nbd], arch: tree.arch };
}
