import type { BootPlan, Firmware } from '../shared/api.ts';
import { type TemplateValues, fillTemplate } from './cmdline-template.ts';
import { IPXE_CLIENT_QUERY, bootScriptUrl, imageBaseUrl, imageFileUrl, wholeImageUrl, wimbootUrl } from './image-urls.ts';
import { ipxeArgs, ipxeText, ipxeUrl } from './ipxe-text.ts';

/**
 * Renders the iPXE script a client gets from /boot.ipxe: one image boots directly, several
 * make a menu (filtered by the client's firmware and CPU), and anything that cannot boot says
 * why on the client's screen and waits, instead of dropping silently to the iPXE shell.
 *
 * iPXE facts the script relies on (ipxe.org/cmd, core/exec.c):
 * - a failing command ends the script unless followed by `|| …`;
 * - `imgfree` first: images left from a failed attempt would otherwise be passed as extra initrds;
 * - `initrd --name N` + `initrd=N` in the kernel arguments: on UEFI the kernel's EFI stub loads
 *   initrds by name from iPXE's virtual file system; on BIOS the names are harmless and iPXE
 *   hands all initrds over, concatenated in order (microcode first);
 * - `choose --timeout` counts milliseconds; `prompt --key k` succeeds only for that key;
 * - a running script unregisters itself, so `imgfree` never frees it.
 */

export interface BootScriptClient {
  /** Lowercase colon-separated MAC, when known; the script falls back to iPXE's own `${netX/mac}`. */
  mac?: string;
  /** iPXE `${platform}`: 'pcbios' | 'efi'. */
  platform?: string;
  /** iPXE `${buildarch}`: 'i386' | 'x86_64' | 'arm64' … */
  buildarch?: string;
  /** Architecture from DHCP option 93 when iPXE did not say ("EFI x86-64", "x86 BIOS" …). */
  arch?: string;
}

export interface BootScriptImage {
  id: string;
  /** What the technician recognises: distro name or file name. */
  name: string;
  /** The selected plan; the first bootable of `plans` when absent. */
  plan?: BootPlan;
  plans: BootPlan[];
  /** CPU architecture of the image's kernel (ImageInspection.arch), for filtering. */
  arch?: string;
}

export interface BootScriptInput {
  /** http://server[:port], as the client reaches the HTTP server. */
  baseUrl: string;
  /** Server IPv4 address as the client reaches it. */
  serverAddress: string;
  client: BootScriptClient;
  images: BootScriptImage[];
  defaultImageId?: string;
  /** 0 boots the default entry at once. */
  menuTimeoutSec: number;
  nbdPort: number;
}

/** archiso's NBD hook passes nbd-client an address only, so the export must be on the standard port. */
export const STANDARD_NBD_PORT = 10809;
const FAIL_WAIT_MS = 30_000;
/** Room for an item's text in iPXE's 80-column menu box. */
const MENU_TEXT_WIDTH = 74;
const REASON_WAIT_MS = 120_000;

interface Bootable {
  image: BootScriptImage;
  plan: BootPlan;
  label: string;
}
interface Refusal {
  image: BootScriptImage;
  reason: string;
  label: string;
}

export function clientFirmware(client: BootScriptClient): Firmware {
  if (client.platform === 'pcbios') return 'bios';
  if (client.platform === 'efi') return 'uefi';
  if (client.arch && /efi/i.test(client.arch)) return 'uefi';
  if (client.arch && /bios/i.test(client.arch)) return 'bios';
  return 'unknown';
}

/** CPU family of a client or image, so an arm64 client is not offered x86 kernels. */
function cpuFamily(arch: string | undefined): 'x86' | 'arm64' | 'arm32' | 'riscv64' | undefined {
  if (!arch) return undefined;
  if (/^(i[3-6]86|x86_64|amd64|x64|x86)$/i.test(arch) || /x86|ia32|bios/i.test(arch)) return 'x86';
  if (/aarch64|arm64/i.test(arch)) return 'arm64';
  if (/arm/i.test(arch)) return 'arm32';
  if (/riscv64/i.test(arch)) return 'riscv64';
  return undefined;
}

const FIRMWARE_NAME: Record<Firmware, string> = { bios: 'BIOS', uefi: 'UEFI', unknown: 'unknown firmware' };

/** Why this plan cannot boot this client, or null when it can. */
function refusal(image: BootScriptImage, plan: BootPlan, client: BootScriptClient, firmware: Firmware, nbdPort: number): string | null {
  if (plan.via === 'none') return plan.unbootableReason ?? 'no way to boot this image over the network';
  // A plan the image allows but this server cannot serve yet (no wimboot supplied).
  if (plan.unbootableReason) return plan.unbootableReason;
  if (firmware !== 'unknown' && !plan.firmware.includes(firmware)) {
    return `${plan.title}: needs ${plan.firmware.map((f) => FIRMWARE_NAME[f]).join(' or ')}; this client boots with ${FIRMWARE_NAME[firmware]}`;
  }
  const clientCpu = cpuFamily(client.buildarch ?? client.arch);
  const imageCpu = cpuFamily(image.arch);
  if (clientCpu && imageCpu && clientCpu !== imageCpu) return `${plan.title}: built for ${image.arch}; this client is ${client.buildarch ?? client.arch}`;
  if (plan.via === 'nbd' && nbdPort !== STANDARD_NBD_PORT && !(plan.cmdline ?? '').includes('{{nbd_port}}')) {
    return `${plan.title}: the image's NBD client always uses port ${STANDARD_NBD_PORT}, but Bootcast's NBD server listens on ${nbdPort}`;
  }
  if ((plan.via === 'http' || plan.via === 'nbd') && !plan.kernel) return `${plan.title}: the plan names no kernel`;
  if (plan.via === 'wimboot' && !plan.wimbootFiles?.length) return `${plan.title}: the plan names no Windows boot files`;
  if (!/^[A-Za-z0-9._-]+$/.test(image.id)) return `image id "${image.id}" cannot be used in a kernel command line or NBD export name`;
  return null;
}

function orderedPlans(image: BootScriptImage): BootPlan[] {
  const selected = image.plan ?? image.plans.find((p) => p.via !== 'none') ?? image.plans[0];
  return selected ? [selected, ...image.plans.filter((p) => p !== selected && p.id !== selected.id)] : [...image.plans];
}

function describeRam(plan: BootPlan): string {
  if (!plan.minRamMiB) return '';
  return plan.minRamMiB >= 1024 ? `, RAM ${(plan.minRamMiB / 1024).toFixed(1)} GiB+` : `, RAM ${plan.minRamMiB} MiB+`;
}

function macHyphen(mac: string): string {
  return mac.replace(/:/g, '-');
}

function templateValues(input: BootScriptInput, image: BootScriptImage): TemplateValues {
  const mac = input.client.mac && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(input.client.mac) ? input.client.mac : undefined;
  if (!/^[A-Za-z0-9.:-]+$/.test(input.serverAddress)) throw new RangeError(`server address ${JSON.stringify(input.serverAddress)} is not an address`);
  return {
    image_url: ipxeUrl(imageBaseUrl(input.baseUrl, image.id)),
    iso_url: ipxeUrl(wholeImageUrl(input.baseUrl, image.id)),
    server: input.serverAddress,
    // Unknown MAC: let iPXE fill it in at boot (these are trusted expansions, added after escaping).
    mac: mac ?? '${netX/mac}',
    mac_hyphen: mac ? macHyphen(mac) : '${netX/mac:hexhyp}',
    nbd_export: image.id,
    nbd_port: String(input.nbdPort),
  };
}

/** Unique, tidy names for `initrd --name`; the EFI stub looks them up by these names. */
function initrdNames(paths: string[]): string[] {
  const used = new Set<string>();
  return paths.map((p, i) => {
    const base = (p.slice(p.lastIndexOf('/') + 1) || `initrd${i}`).replace(/[^A-Za-z0-9._-]/g, '_');
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${n}-${base}`;
    used.add(name.toLowerCase());
    return name;
  });
}

function bootLines(input: BootScriptInput, b: Bootable, failLabel: string): string[] {
  const { image, plan } = b;
  const lines = [`:${b.label}`, 'imgfree', `echo Bootcast: booting ${ipxeText(clip(`${image.name}: ${plan.title}`, 78 - 'Bootcast: booting '.length))}`];
  // Firmware unknown at render time (no platform in the request): let iPXE check its own.
  if (clientFirmware(input.client) === 'unknown' && plan.firmware.length === 1 && plan.firmware[0] !== 'unknown') {
    lines.push(`iseq \${platform} ${plan.firmware[0] === 'bios' ? 'pcbios' : 'efi'} || goto bc_wrong_firmware`);
  }
  if (plan.via === 'sanboot') {
    // --no-describe: an HTTP disk has no iBFT/aBFT description; describing it is what fails.
    lines.push(`sanboot --no-describe ${ipxeUrl(wholeImageUrl(input.baseUrl, image.id))} || goto ${failLabel}`);
    return lines;
  }
  if (plan.via === 'wimboot') {
    lines.push(...wimbootLines(input, b, failLabel));
    return lines;
  }
  const values = templateValues(input, image);
  const names = initrdNames(plan.initrds);
  const args = [...names.map((n) => `initrd=${n}`), fillTemplate(ipxeArgs(plan.cmdline ?? ''), values)].filter((a) => a !== '').join(' ');
  lines.push(`kernel ${ipxeUrl(imageFileUrl(input.baseUrl, image.id, plan.kernel!))}${args ? ' ' + args : ''} || goto ${failLabel}`);
  plan.initrds.forEach((path, i) => {
    lines.push(`initrd --name ${names[i]} ${ipxeUrl(imageFileUrl(input.baseUrl, image.id, path))} || goto ${failLabel}`);
  });
  lines.push(`boot || goto ${failLabel}`);
  return lines;
}

/**
 * wimboot as the kernel, then each Windows file under the name wimboot and bootmgr look for.
 * Files for one firmware only (bootmgr, bootmgfw.efi, a firmware's own BCD) are chosen at
 * render time when the client said its platform, else by iPXE's `${platform}`.
 */
function wimbootLines(input: BootScriptInput, b: Bootable, failLabel: string): string[] {
  const { image, plan } = b;
  const files = plan.wimbootFiles ?? [];
  const firmware = clientFirmware(input.client);
  const initrd = (f: { name: string; path: string }) => `initrd --name ${f.name} ${ipxeUrl(imageFileUrl(input.baseUrl, image.id, f.path))} || goto ${failLabel}`;
  const lines = [`kernel ${ipxeUrl(wimbootUrl(input.baseUrl))} || goto ${failLabel}`];
  const only = (fw: 'bios' | 'uefi') => files.filter((f) => f.firmware === fw);
  if (firmware === 'unknown' && only('bios').length && only('uefi').length) {
    lines.push(`iseq \${platform} efi && goto ${b.label}_efi ||`);
    lines.push(...only('bios').map(initrd), `goto ${b.label}_common`, `:${b.label}_efi`, ...only('uefi').map(initrd), `:${b.label}_common`);
  } else {
    const fw = firmware === 'unknown' ? (only('bios').length ? 'bios' : 'uefi') : firmware;
    lines.push(...only(fw).map(initrd));
  }
  lines.push(...files.filter((f) => !f.firmware).map(initrd), `boot || goto ${failLabel}`);
  return lines;
}

/** Wraps a long reason into echo lines iPXE's 80-column console shows whole. */
function echoWrapped(text: string, width = 72): string[] {
  const words = ipxeText(text).split(' ');
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.map((l) => `echo ${l.startsWith('-') ? '${bc_nil}' + l : l}`);
}

/** Shared tail: failure screen, retry by asking the server again, shell, exit. */
function commonTail(input: BootScriptInput): string[] {
  const retryUrl = `${bootScriptUrl(input.baseUrl)}?${IPXE_CLIENT_QUERY}`;
  return [
    ':bc_fail',
    'echo',
    'echo Bootcast: boot failed (error ${errno}); the line above says why.',
    `echo Bootcast: server ${ipxeText(input.serverAddress)}, boot script ${ipxeUrl(bootScriptUrl(input.baseUrl))}`,
    `prompt --key s --timeout ${FAIL_WAIT_MS} Press s for the iPXE shell, any other key to retry now (retrying in ${FAIL_WAIT_MS / 1000} s) && goto bc_shell ||`,
    'goto bc_retry',
    ':bc_retry',
    // Ask the server again rather than repeating this script: the technician may have fixed something.
    `chain --replace --autofree ${retryUrl} || goto bc_fail`,
    ':bc_shell',
    'echo Bootcast: "exit" leaves iPXE; to ask the server again, type:',
    `echo chain ${ipxeUrl(bootScriptUrl(input.baseUrl))}`,
    'shell',
    'goto bc_retry',
    ':bc_wrong_firmware',
    'echo Bootcast: this entry is for the other firmware type; this client runs ${platform}.',
    `prompt --timeout ${FAIL_WAIT_MS} Press any key to ask the server again ||`,
    'goto bc_retry',
    ':bc_exit',
    'echo Bootcast: leaving iPXE; the firmware tries the next boot device.',
    'exit 0',
  ];
}

export function renderBootScript(input: BootScriptInput): string {
  const firmware = clientFirmware(input.client);
  const bootables: Bootable[] = [];
  const refusals: Refusal[] = [];
  for (const image of input.images) {
    const reasons: string[] = [];
    let any = false;
    for (const plan of orderedPlans(image)) {
      let why = refusal(image, plan, input.client, firmware, input.nbdPort);
      if (!why) {
        try {
          bootLines(input, { image, plan, label: 'probe' }, 'probe'); // templates and URLs must render
        } catch (err) {
          why = `${plan.title}: ${(err as Error).message}`;
        }
      }
      if (why) reasons.push(why);
      else {
        any = true;
        bootables.push({ image, plan, label: `bc_e${bootables.length + 1}` });
      }
    }
    if (!any) refusals.push({ image, reason: reasons.join('; ') || 'the image has no boot plan', label: `bc_r${refusals.length + 1}` });
  }

  const who = ipxeText(`${input.client.mac ?? 'unknown MAC'} (${FIRMWARE_NAME[firmware]}${input.client.buildarch ? ', ' + input.client.buildarch : ''})`);
  const head = ['#!ipxe', `# Bootcast boot script for ${who}`];

  // One image: boot it directly (its selected plan), or explain why not.
  if (input.images.length === 1) {
    const first = bootables[0];
    if (first) return lines([...head, ...bootLines(input, first, 'bc_fail'), ...commonTail(input)]);
  }
  if (bootables.length === 0) {
    const body = input.images.length === 0
      ? echoWrapped('Bootcast: no images are being served yet. Add an ISO in Bootcast; this client asks again automatically.')
      : refusals.flatMap((r) => [...echoWrapped(`Bootcast: ${r.image.name} cannot be network-booted: ${r.reason}`), 'echo']);
    return lines([
      ...head,
      ...body,
      `prompt --key s --timeout ${REASON_WAIT_MS} Press s for the iPXE shell, any other key to ask again (auto in ${REASON_WAIT_MS / 1000} s) && goto bc_shell ||`,
      'goto bc_retry',
      ...commonTail(input),
    ]);
  }

  const def = bootables.find((b) => b.image.id === input.defaultImageId) ?? bootables[0]!;
  const menu: string[] = [':bc_menu', `menu Bootcast: choose what ${who} boots`];
  for (const b of bootables) {
    // iPXE's menu clips long lines at the screen edge: shorten the title, keep the RAM hint.
    const ram = describeRam(b.plan);
    const text = ipxeText(clip(`${b.image.name} - ${b.plan.title}`, MENU_TEXT_WIDTH - ram.length) + ram);
    menu.push(`item ${b.label} ${text}`);
  }
  if (refusals.length > 0) {
    menu.push('item --gap', 'item --gap Cannot be network-booted here (select to see why):');
    for (const r of refusals) menu.push(`item ${r.label} ${ipxeText(clip(r.image.name, MENU_TEXT_WIDTH))}`);
  }
  menu.push('item --gap', 'item bc_shell iPXE shell', 'item bc_exit Leave iPXE (boot the next device, e.g. the local disk)');
  const timeoutMs = Math.max(0, Math.round(input.menuTimeoutSec * 1000));
  if (timeoutMs === 0) menu.push(`goto ${def.label}`);
  else menu.push(`choose --timeout ${timeoutMs} --default ${def.label} bc_choice || goto bc_shell`, 'goto ${bc_choice}');

  const sections: string[] = [];
  for (const b of bootables) sections.push(...bootLines(input, b, 'bc_fail'));
  for (const r of refusals) {
    sections.push(`:${r.label}`, ...echoWrapped(`Bootcast: ${r.image.name} cannot be network-booted: ${r.reason}`));
    sections.push(`prompt --timeout ${REASON_WAIT_MS} Press any key to return to the menu ||`, 'goto bc_menu');
  }
  return lines([...head, ...menu, ...sections, ...commonTail(input)]);
}

/**
 * For a request of /boot.ipxe without the per-client query (iPXE told the plain URL by another
 * DHCP server, or typed by a technician): ask again with the client's MAC, CPU and firmware.
 */
export function renderChainScript(baseUrl: string): string {
  const retryUrl = `${bootScriptUrl(baseUrl)}?${IPXE_CLIENT_QUERY}`;
  return lines([
    '#!ipxe',
    '# Bootcast: ask again with this client\'s MAC, architecture and firmware',
    ':bc_retry',
    `chain --replace --autofree ${retryUrl} || goto bc_fail`,
    ':bc_fail',
    'echo Bootcast: could not fetch the boot script (error ${errno}) from',
    `echo ${ipxeUrl(bootScriptUrl(baseUrl))}`,
    `prompt --key s --timeout ${FAIL_WAIT_MS} Press s for the iPXE shell, any other key to retry now (retrying in ${FAIL_WAIT_MS / 1000} s) && goto bc_shell ||`,
    'goto bc_retry',
    ':bc_shell',
    'shell',
    'goto bc_retry',
  ]);
}

/** Shortens display text before escaping (escapes add characters the screen never shows). */
function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(1, width - 3)).trimEnd()}...`;
}

function lines(list: string[]): string {
  return list.join('\n') + '\n';
}
