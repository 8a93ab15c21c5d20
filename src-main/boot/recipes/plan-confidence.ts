import type { BootPlan, Firmware, PlanConfidence } from '../../shared/api.ts';

/**
 * The one table of boot plans this project has seen boot, and where: what `bootcast iso info`, the
 * UI and docs/images.md call a plan's confidence. A plan is keyed by its recipe (BootPlan.recipe:
 * 'archiso', 'generic-linux/live-boot', 'memtest86+' …) and id. Each row names the e2e test that
 * boots it in CI; test/e2e/distros.test.ts checks that its cases and the real-initramfs rows agree.
 *
 * No row for Windows (wimboot): CI has no wimboot to run (test/e2e/windows-boot.test.ts boots UEFI
 * only when one is supplied, to a stand-in bootmgfw.efi) and its BIOS case checks the transfers,
 * never a running bootmgr.
 */
/** Where a plan was booted: the firmware, or UEFI with Secure Boot on through the image's signed shim and GRUB. */
export type ProvenOn = Exclude<Firmware, 'unknown'> | 'uefi-secure-boot';

export const PROVEN_ON_TEXT: Record<ProvenOn, string> = { bios: 'BIOS', uefi: 'UEFI', 'uefi-secure-boot': 'UEFI Secure Boot via shim and GRUB' };

export interface ProvenPlan {
  recipe: string;
  planId: string;
  confidence: Exclude<PlanConfidence, 'untested'>;
  firmware: ProvenOn;
  /** The e2e file and the case in it that boots this plan. */
  file: string;
  test: string;
  /** What was booted: the distribution's component, or the stand-in. */
  what: string;
}

export const PROVEN_PLANS: readonly ProvenPlan[] = [
  { recipe: 'generic-linux/live-boot', planId: 'http', confidence: 'real-initramfs', firmware: 'bios', file: 'test/e2e/distros.test.ts', test: 'live-boot bios', what: "Debian 12's live-boot initramfs (mkinitramfs), fetch= of the squashfs" },
  { recipe: 'generic-linux/live-boot', planId: 'http', confidence: 'real-initramfs', firmware: 'uefi', file: 'test/e2e/distros.test.ts', test: 'live-boot uefi', what: "Debian 12's live-boot initramfs (mkinitramfs), fetch= of the squashfs" },
  { recipe: 'generic-linux/live-boot', planId: 'iso', confidence: 'real-initramfs', firmware: 'bios', file: 'test/e2e/distros.test.ts', test: 'live-boot whole ISO bios', what: "Debian 12's live-boot initramfs, fetch= of the whole ISO, two squashfs layers from Tails.module" },
  { recipe: 'generic-linux/live-boot', planId: 'http', confidence: 'synthetic', firmware: 'uefi-secure-boot', file: 'test/e2e/secure-boot.test.ts', test: 'always: shim → Debian network GRUB', what: "Debian's signed shim, network GRUB and signed kernel; a stand-in initramfs fetches fetch= and checks it" },
  { recipe: 'generic-linux/dracut-live', planId: 'http', confidence: 'real-initramfs', firmware: 'bios', file: 'test/e2e/distros.test.ts', test: 'dracut-live bios', what: "Debian 12's dracut 059 (dmsquash-live, livenet), root=live:<squashfs URL>" },
  { recipe: 'generic-linux/dracut-live', planId: 'http', confidence: 'real-initramfs', firmware: 'uefi', file: 'test/e2e/distros.test.ts', test: 'dracut-live uefi', what: "Debian 12's dracut 059 (dmsquash-live, livenet), root=live:<squashfs URL>" },
  { recipe: 'generic-linux/debian-installer', planId: 'http', confidence: 'real-initramfs', firmware: 'bios', file: 'test/e2e/distros.test.ts', test: 'debian-installer bios', what: "Debian 12's netboot installer kernel and initrd, to its first screen" },
  { recipe: 'memtest86+', planId: 'http', confidence: 'real-initramfs', firmware: 'bios', file: 'test/e2e/distros.test.ts', test: 'memtest86+ bios', what: "Debian's memtest86+ 6 ISO as shipped, its EFI binary through the Linux boot protocol" },
  { recipe: 'memtest86+', planId: 'http', confidence: 'real-initramfs', firmware: 'uefi', file: 'test/e2e/distros.test.ts', test: 'memtest86+ uefi', what: "Debian's memtest86+ 6 ISO as shipped, its EFI binary started by iPXE" },
  { recipe: 'archiso', planId: 'http', confidence: 'synthetic', firmware: 'bios', file: 'test/e2e/pxe-boot.test.ts', test: 'firmware boots the ISO to its marker', what: 'archiso layout with a busybox initramfs that checks the parameters' },
  { recipe: 'archiso', planId: 'http', confidence: 'synthetic', firmware: 'uefi', file: 'test/e2e/pxe-boot.test.ts', test: 'firmware boots the ISO to its marker', what: 'archiso layout with a busybox initramfs that checks the parameters' },
  { recipe: 'archiso', planId: 'nbd', confidence: 'synthetic', firmware: 'bios', file: 'test/e2e/nbd-boot.test.ts', test: 'a BIOS guest loads kernel and initrd over HTTP, then mounts the ISO', what: 'archiso layout, busybox initramfs attaching the NBD export with nbd-client' },
  { recipe: 'sanboot', planId: 'sanboot', confidence: 'synthetic', firmware: 'bios', file: 'test/e2e/boot-plans-in-firmware.test.ts', test: 'sanboots the whole image', what: "a synthetic ISO's own isolinux, started from iPXE's HTTP SAN disk" },
];

/** A plan's confidence from the table; plans that cannot boot carry none. */
export function planConfidence(plan: Pick<BootPlan, 'recipe' | 'id' | 'via'>): PlanConfidence | undefined {
  if (plan.via === 'none') return undefined;
  const rows = PROVEN_PLANS.filter((p) => p.recipe === plan.recipe && p.planId === plan.id);
  if (rows.some((p) => p.confidence === 'real-initramfs')) return 'real-initramfs';
  if (rows.length > 0) return 'synthetic';
  return 'untested';
}

/** Where a plan was booted here at one level of proof: the firmware behind "booted here from the real initramfs (BIOS, UEFI)". */
export function provenFirmware(plan: Pick<BootPlan, 'recipe' | 'id'>, level: Exclude<PlanConfidence, 'untested'>): ProvenOn[] {
  return [...new Set(PROVEN_PLANS.filter((p) => p.recipe === plan.recipe && p.planId === plan.id && p.confidence === level).map((p) => p.firmware))];
}

/**
 * One line for `bootcast iso info`: "booted here from the real initramfs (BIOS, UEFI); from a
 * synthetic layout on UEFI Secure Boot via shim and GRUB" — each level with where it was booted.
 */
export function confidenceText(plan: Pick<BootPlan, 'recipe' | 'id' | 'via'>): string | undefined {
  const best = planConfidence(plan);
  if (!best) return undefined;
  if (best === 'untested') return CONFIDENCE_TEXT.untested;
  const where = (level: Exclude<PlanConfidence, 'untested'>) => provenFirmware(plan, level).map((f) => PROVEN_ON_TEXT[f]).join(', ');
  const text = `${CONFIDENCE_TEXT[best]} (${where(best)})`;
  const synthetic = best === 'real-initramfs' ? where('synthetic') : '';
  return synthetic ? `${text}; from a synthetic layout on ${synthetic}` : text;
}

export const CONFIDENCE_TEXT: Record<PlanConfidence, string> = {
  'real-initramfs': 'booted here from the real initramfs',
  synthetic: 'booted here from a synthetic layout',
  untested: 'untested recipe',
};
