import { basename } from 'node:path';
import { inspectImage } from '../../boot/inspect-image.ts';
import { inspectSignedChain } from '../../boot/secure-boot/signed-chain.ts';
import { TEMPLATE_NAMES, templateNames, type TemplateName } from '../../boot/cmdline-template.ts';
import { imageIdFor } from '../../engine/image-id.ts';
import { ImageLibrary } from '../../engine/image-library.ts';
import { confidenceText } from '../../boot/recipes/plan-confidence.ts';
import { withWimboot, type WimbootStatus } from '../../engine/wimboot-file.ts';
import { withSetupSource } from '../../boot/windows/setup-injection.ts';
import { shareNameFor, unattendFileFor } from '../../boot/windows/setup-source.ts';
import { unattendFile } from '../../engine/setup-share-run.ts';
import { shareHostFacts, shareUnavailableReason, type ShareHostFacts } from '../../net/setup-share/share-host.ts';
import type { BootPlan, ImageInfo, SecureBootChain } from '../../shared/api.ts';
import type { InfoSection, InfoSectionProvider } from './iso-info.ts';

/**
 * The "Network boot" section of `bootcast iso info`: the recipe inspection picked and
 * every boot plan exactly as the engine serves it — kernel, initrds, command line with its
 * placeholders still in (they are filled per client, when iPXE asks for its boot script),
 * estimated client RAM, firmware. `--json` gets the same under `boot`.
 */

/** What each placeholder becomes; Record over TemplateName so a new placeholder cannot go unexplained. */
function placeholderMeaning(imageId: string): Record<TemplateName, string> {
  return {
    image_url: `http://<server>[:<http port>]/images/${imageId} (the image's files, served from inside the ISO)`,
    iso_url: `http://<server>[:<http port>]/images/${imageId}.iso (the whole image file)`,
    server: "the server's IPv4 address on the boot interface",
    mac: "the client's MAC, colon-separated (52:54:00:12:34:56)",
    mac_hyphen: "the client's MAC, hyphen-separated (52-54-00-12-34-56)",
    nbd_export: `${imageId} (the image's NBD export name)`,
    nbd_port: "the NBD server's TCP port (10809 unless changed)",
  };
}

const FIRMWARE: Record<string, string> = { bios: 'BIOS', uefi: 'UEFI' };
const VIA: Record<BootPlan['via'], string> = {
  http: 'HTTP (kernel and initrds from the ISO; the live system fetched over HTTP)',
  nbd: 'NBD (kernel and initrds over HTTP; the whole ISO attached as a network block device)',
  sanboot: 'iPXE sanboot (the whole ISO as a disk over HTTP)',
  wimboot: 'wimboot (the wimboot you supply as the kernel; the Windows boot files over HTTP from the image)',
  none: 'cannot be network-booted',
};

function row(label: string, value: string, indent = ''): string {
  return `${indent}${label.padEnd(14)}${value}`;
}

/** Where Windows Setup will find its install files when `bootcast serve` serves this image. */
interface SetupSourceFacts {
  imageId: string;
  /** Why this host cannot share it (also in the plan's limits), or null. */
  unavailable: string | null;
  unattend: string;
  unattendFound: boolean;
}

function setupSourceLines(s: SetupSourceFacts, sub: (label: string, value: string) => void): void {
  if (s.unavailable) sub('install from', 'no share from this host (see the known limit above)');
  else {
    sub('install from', `\\\\<boot address>\\${shareNameFor(s.imageId)}: bootcast serve mounts the ISO read-only and shares it over SMB`);
    sub('injected', 'winpeshl.ini and bootcast-setup.cmd (maps the share, starts its setup.exe) into WinPE');
  }
  sub('answer file', s.unattendFound ? `${s.unattend} (injected as autounattend.xml)` : `none (drop one at ${s.unattend} for an unattended install)`);
}

function planLines(plan: BootPlan, isDefault: boolean, wimboot: WimbootStatus, setup?: SetupSourceFacts): string[] {
  const lines = [row(`Plan ${plan.id}`, plan.title + (isDefault ? '  (default)' : ''))];
  const sub = (label: string, value: string) => lines.push(row(label, value, '  '));
  sub('via', VIA[plan.via]);
  if (plan.unbootableReason) sub('why', plan.unbootableReason);
  const confidence = confidenceText(plan);
  if (confidence) sub('confidence', confidence);
  for (const limit of plan.limits ?? []) sub('known limit', limit);
  sub('firmware', plan.firmware.length ? plan.firmware.map((f) => FIRMWARE[f] ?? f).join(', ') : 'none');
  if (plan.minRamMiB !== undefined) sub('client RAM', `${plan.minRamMiB} MiB (estimated minimum)`);
  if (plan.kernel) sub('kernel', plan.kernel);
  if (plan.wimbootFiles) {
    sub('kernel', wimboot.path !== undefined ? `wimboot (${wimboot.path})` : 'wimboot (not found)');
    for (const f of plan.wimbootFiles) sub('file', `${f.name.padEnd(13)}${f.path}${f.firmware ? `  (${FIRMWARE[f.firmware]} only)` : ''}`);
  } else for (const initrd of plan.initrds) sub('initrd', initrd);
  if (plan.cmdline !== undefined) sub('command line', plan.cmdline || '(empty)');
  if (plan.windowsSetup && setup) setupSourceLines(setup, sub);
  return lines;
}

/** The Secure Boot verdict: the chain a Secure Boot machine gets, or why it cannot boot this image. */
function secureBootLines(chain: SecureBootChain): string[] {
  if (!chain.usable) return [row('Secure Boot', `cannot boot with Secure Boot on: ${chain.reason}`)];
  const lines = [row('Secure Boot', `yes: ${chain.reason}`)];
  if (chain.shim) lines.push(row('shim', `${chain.shim} (signed by Microsoft, trusts ${chain.vendor})`, '  '));
  if (chain.grub) lines.push(row('GRUB', `${chain.grub} (network build from the image)`, '  '));
  if (chain.bundledGrub) lines.push(row('GRUB', `resources/${chain.bundledGrub} (bundled with Bootcast)`, '  '));
  if (chain.grubPrefix) lines.push(row('grub.cfg', `generated, served by TFTP at ${chain.grubPrefix}/grub.cfg`, '  '));
  return lines;
}

/**
 * `wimboot`: what the engine would find (src-main/engine/wimboot-file.ts), and `shareHost` whether
 * this host can share Windows Setup media, so the plans read as `bootcast serve` would serve them.
 */
export const bootPlanSection = (wimboot: WimbootStatus, shareHost: () => ShareHostFacts = shareHostFacts): InfoSectionProvider => async (image, summary): Promise<InfoSection> => {
  const inspected = await inspectImage(image, {
    sizeBytes: summary.size,
    volumeId: summary.volumeId,
    bootCatalog: summary.elTorito?.images ?? [],
    udf: summary.udf,
  });
  // The id `bootcast serve` gives this file when no other image in its library has the same name.
  const imageId = imageIdFor(basename(summary.path), new Set());
  const isSetup = inspected.plans.some((p) => p.windowsSetup);
  const unattend = unattendFileFor(summary.path);
  const setup: SetupSourceFacts | undefined = isSetup ? { imageId, unavailable: shareUnavailableReason(shareHost()), unattend, unattendFound: unattendFile(summary.path) !== undefined } : undefined;
  // Stopped, a shareable image's plan is as inspected (the files are injected once the share runs).
  const inspection = { ...inspected, plans: withSetupSource(withWimboot(inspected.plans, wimboot), setup?.unavailable ? { reason: setup.unavailable } : undefined) };
  const defaultPlan = ImageLibrary.selectedPlan({ plans: inspection.plans } as ImageInfo);

  const lines = [row('Recipe', inspection.recipe)];
  if (inspection.distro) lines.push(row('Distribution', inspection.distro));
  if (inspection.arch) lines.push(row('Architecture', inspection.arch));
  lines.push(row('Image id', `${imageId} (in URLs /images/${imageId}/… and as the NBD export name)`));
  for (const plan of inspection.plans) lines.push(...planLines(plan, plan === defaultPlan, wimboot, setup));
  if (inspection.plans.length > 1) lines.push(row('Choosing', '`bootcast serve IMAGE --plan ID` boots another plan than the default'));

  const used = [...new Set(inspection.plans.flatMap((p) => templateNames(p.cmdline ?? '')))];
  if (used.length) {
    const meaning = placeholderMeaning(imageId);
    lines.push(row('Placeholders', 'filled for each client when iPXE fetches its boot script:'));
    const width = Math.max(...used.map((n) => n.length)) + 4;
    for (const name of used) {
      const known = (TEMPLATE_NAMES as readonly string[]).includes(name);
      lines.push(`  ${`{{${name}}}`.padEnd(width + 1)} ${known ? meaning[name as TemplateName] : 'unknown placeholder (a recipe bug)'}`);
    }
  }
  const secureBoot = await inspectSignedChain(image, defaultPlan);
  lines.push(...secureBootLines(secureBoot));
  if (inspection.notes.length) {
    lines.push('Notes');
    for (const note of inspection.notes) lines.push(`  ${note}`);
  }

  return {
    title: 'Network boot',
    lines,
    json: {
      boot: {
        recipe: inspection.recipe,
        ...(inspection.distro ? { distro: inspection.distro } : {}),
        ...(inspection.arch ? { arch: inspection.arch } : {}),
        imageId,
        ...(defaultPlan ? { defaultPlan: defaultPlan.id } : {}),
        plans: inspection.plans,
        wimboot: wimboot.path ?? null,
        ...(setup
          ? { setupShare: { share: shareNameFor(imageId), available: setup.unavailable === null, ...(setup.unavailable ? { reason: setup.unavailable } : {}), unattend: setup.unattendFound ? setup.unattend : null } }
          : {}),
        secureBoot,
        notes: inspection.notes,
      },
    },
  };
};
