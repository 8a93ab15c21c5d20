/**
 * Why a client looks stuck, as a stable code (the renderer translates it) and an English
 * sentence (the CLI, logs and any UI without a translation). Pure: usable in every process.
 * The timeline sets `ClientSummary.stalledCode` to one of these codes; the parameters that
 * the sentence mentions travel in the `client.stalled` timeline event (`params`).
 */
export const STALL_CODES = [
  'no-tftp-after-offer',
  'no-script-after-offer',
  'offer-not-accepted',
  'no-ipxe-after-loader',
  'loader-refused',
  'no-kernel-after-script',
  'transfer-stalled',
  'transfer-failed',
  'no-root-after-kernel',
  'no-root-after-network',
] as const;

export type StallCode = (typeof STALL_CODES)[number];

export interface StallHint {
  code: StallCode;
  text: string;
  /** Values the sentence mentions (seconds, percent, path), for translated renderings. */
  params: StallParams;
}

export interface StallParams {
  /** How long the expected step has been missing, seconds. */
  seconds?: number;
  /** The file concerned. */
  path?: string;
  /** Download progress when it stopped, 0–100, when the size is known. */
  percent?: number;
  /** The failing request's error message. */
  error?: string;
  /** How many DHCP discovers the client sent after our answer. */
  discovers?: number;
}

const where = (p: StallParams): string => (p.path ? ` ${p.path}` : '');

/** The English sentence for a code: says what did not happen, then what to check, most likely first. */
export function stallHintText(code: StallCode, p: StallParams = {}): string {
  const s = p.seconds ?? 0;
  switch (code) {
    case 'no-tftp-after-offer':
      return (
        `The client received our DHCP answer but has not asked for its boot file over TFTP for ${s} s. ` +
        `Check the laptop's firewall (UDP port 69), whether another PXE server answered first, and that the ` +
        `boot file fits the firmware (BIOS vs UEFI); with Secure Boot on, UEFI refuses unsigned loaders.`
      );
    case 'no-script-after-offer':
      return (
        `iPXE received our DHCP answer but has not fetched its boot script over HTTP for ${s} s. ` +
        `Check the laptop's firewall (the HTTP port) and whether another DHCP server sent iPXE elsewhere.`
      );
    case 'offer-not-accepted':
      return (
        `The client keeps asking for an address (${p.discovers ?? 0} more DHCP discovers) but never accepts our answer. ` +
        `Another DHCP server may be answering, or the DHCP mode is wrong: use "full" when there is no other ` +
        `DHCP server on this network, "proxy" when there is one.`
      );
    case 'no-ipxe-after-loader':
      return (
        `The first-stage loader${where(p)} was sent but iPXE has not called back for ${s} s. ` +
        `Secure Boot may be rejecting the unsigned iPXE loader (turn it off in the firmware setup), ` +
        `or the loader does not fit the firmware (BIOS vs UEFI).`
      );
    case 'loader-refused':
      return (
        `The firmware downloaded the loader${where(p)} but asked for an address again without running it: ` +
        `UEFI Secure Boot most likely refused the unsigned iPXE loader. With "Secure Boot clients" on auto, ` +
        `Bootcast gives this machine an image's signed chain (shim, GRUB) from its next attempt: power it on again. ` +
        `If no image has a signed chain ("cannot boot with Secure Boot on" on the image), turn Secure Boot off in the firmware setup.`
      );
    case 'no-kernel-after-script':
      return (
        `The boot script was sent but the client has not fetched a kernel for ${s} s. ` +
        `Look at the client's screen for an iPXE error (wrong image path, not enough memory).`
      );
    case 'transfer-stalled':
      return (
        `The download of${where(p)} stopped${p.percent !== undefined ? ` at ${p.percent} %` : ''} ${s} s ago. ` +
        `Check the cable and link lights; the client may be out of memory for this image.`
      );
    case 'transfer-failed':
      return (
        `The request for${where(p)} failed${p.error ? ` (${p.error})` : ''} and the client has not retried for ${s} s. ` +
        `Look at the client's screen for the error it shows.`
      );
    case 'no-root-after-kernel':
      return (
        `The kernel and initrd were sent but the system has not fetched its root filesystem for ${s} s. ` +
        `The initramfs may lack the driver for this network card, or the kernel command line is wrong; ` +
        `look at the client's screen.`
      );
    case 'no-root-after-network':
      return (
        `The booted system got a network address but has not fetched its root filesystem for ${s} s. ` +
        `The boot URL on the kernel command line may be wrong or unreachable (firewall on the HTTP port?).`
      );
  }
}

export function stallHint(code: StallCode, params: StallParams = {}): StallHint {
  return { code, text: stallHintText(code, params), params };
}

export function isStallCode(value: unknown): value is StallCode {
  return typeof value === 'string' && (STALL_CODES as readonly string[]).includes(value);
}
