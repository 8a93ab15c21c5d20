import type { BootPlan } from '../../shared/api.ts';
import type { BootEntry } from '../boot-config/boot-entry.ts';
import { readBootConfigs } from '../boot-config/read-boot-configs.ts';
import { adaptForNetwork } from './initramfs-family.ts';
import { type Recipe, type RecipeContext, archFromPath, roundRamMiB } from './recipe.ts';

/**
 * Any medium whose isolinux/syslinux, GRUB or systemd-boot config names a Linux kernel: boot
 * its default entry (or the first that is not a memory test, hardware tool or reboot) with
 * kernel and initrds over HTTP, and the network parameters its initramfs family understands.
 */
export const genericLinuxRecipe: Recipe = {
  name: 'generic-linux',
  async detect(ctx) {
    const { entries, sources } = await readBootConfigs(ctx);
    if (sources.length === 0) {
      ctx.note('generic-linux: no isolinux/syslinux, GRUB or systemd-boot config found');
      return null;
    }
    const entry = await chooseEntry(ctx, entries);
    if (!entry) {
      const tools = entries.filter((e) => e.kind === 'tool').map((e) => e.title);
      ctx.note(
        tools.length > 0
          ? `generic-linux: the boot menus hold only tools (${tools.slice(0, 4).join(', ')}), no Linux system`
          : `generic-linux: no usable Linux entry in ${sources.join(', ')}`,
      );
      return null;
    }
    const adapted = await adaptForNetwork(ctx, entry.kernel!, entry.append, entry.initrds);
    if (adapted.note) ctx.note(`generic-linux: ${adapted.note}`);
    const bootBytes = (await sizes(ctx, [entry.kernel!, ...entry.initrds])).reduce((a, b) => a + b, 0);
    const plans = [adapted, ...(adapted.alternatives ?? [])].map(
      (a): BootPlan => ({
        id: a.planId ?? 'http',
        recipe: `generic-linux/${a.family}`,
        title: `${entry.title}: ${a.how}`,
        via: 'http',
        kernel: entry.kernel!,
        initrds: [...entry.initrds, ...(a.extraInitrds ?? [])],
        cmdline: a.cmdline,
        minRamMiB: roundRamMiB(a.ramBytes + 3 * bootBytes),
        firmware: ['bios', 'uefi'],
        ...(a.limits?.length ? { limits: a.limits } : {}),
      }),
    );
    const arch = archFromPath(entry.kernel!) ?? entry.initrds.map(archFromPath).find((a) => a);
    return { recipe: `generic-linux/${adapted.family}`, plans, ...(arch ? { arch } : {}) };
  },
};

/** Entries whose purpose is checking the medium itself: they cannot work over the network. */
const MEDIA_CHECK_TITLE = /check|verify|test this media|integrity/i;

async function chooseEntry(ctx: RecipeContext, entries: BootEntry[]): Promise<BootEntry | undefined> {
  const linux: BootEntry[] = [];
  for (const e of entries) {
    if (e.kind !== 'linux' || !e.kernel) continue;
    const kernel = await ctx.stat(e.kernel);
    if (kernel?.kind !== 'file') {
      ctx.note(`generic-linux: entry "${e.title}" (${e.source}) names kernel ${e.kernel}, which the image does not hold`);
      continue;
    }
    const initrds: string[] = [];
    let missing: string | undefined;
    for (const i of e.initrds) {
      const st = await ctx.stat(i);
      if (st?.kind === 'file') initrds.push(st.path);
      else missing = i;
    }
    if (missing) {
      ctx.note(`generic-linux: entry "${e.title}" (${e.source}) names initrd ${missing}, which the image does not hold`);
      continue;
    }
    // Use the image's spelling of the paths: HTTP lookups of config-spelled names may differ in case.
    linux.push({ ...e, kernel: kernel.path, initrds });
  }
  const normal = linux.filter((e) => !MEDIA_CHECK_TITLE.test(e.title));
  return normal.find((e) => e.isDefault) ?? normal[0] ?? linux.find((e) => e.isDefault) ?? linux[0];
}

async function sizes(ctx: RecipeContext, paths: string[]): Promise<number[]> {
  return Promise.all(paths.map(async (p) => (await ctx.stat(p))?.size ?? 0));
}
