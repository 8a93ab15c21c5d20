import type { PxeClientInfo } from '../pxe/client-class.ts';

/**
 * The first program a network-boot client that is not yet running iPXE downloads: the iPXE build
 * in resources/ipxe for its CPU and firmware, which then asks DHCP again
 * as iPXE and fetches its boot script over HTTP. The one place that maps DHCP option 93 to a
 * loader file and says why; other first stages (a Secure Boot chain) branch off here too.
 */

/** Every loader Bootcast ships, as served by TFTP and HTTP (the file names in resources/ipxe). */
export const LOADER_FILES = ['undionly.kpxe', 'ipxe.pxe', 'snponly.efi', 'ipxe.efi'] as const;
export type LoaderFile = (typeof LOADER_FILES)[number];

export function isLoaderFile(name: string): name is LoaderFile {
  return (LOADER_FILES as readonly string[]).includes(name);
}

interface LoaderFamily {
  /** What the loader runs on, for the reason text. */
  what: string;
  /** First choice: iPXE on the driver the firmware already used for PXE (SNP, UNDI). */
  loader: LoaderFile;
  /** Second choice, iPXE with its own NIC drivers, for when the first never reached its script. */
  fallback?: LoaderFile;
}

const BIOS: LoaderFamily = { what: 'x86 BIOS', loader: 'undionly.kpxe', fallback: 'ipxe.pxe' };
const UEFI_X64: LoaderFamily = { what: 'x86-64 UEFI', loader: 'snponly.efi', fallback: 'ipxe.efi' };

/**
 * Option 93 → loader family. 7 and 9 are both x86-64 UEFI in practice (RFC 4578 errata: much
 * firmware sends 9). The HTTP-boot code 16 fetches the same EFI binary by URL. 32-bit and ARM64
 * UEFI (6, 11, 15, 19) have no loader: Debian packages iPXE for x86 only, and Bootcast ships no
 * iPXE build of its own (see resources/ipxe/PROVENANCE.md).
 */
const BY_ARCH: ReadonlyMap<number, { family: LoaderFamily; http: boolean }> = new Map([
  [0, { family: BIOS, http: false }],
  [7, { family: UEFI_X64, http: false }],
  [9, { family: UEFI_X64, http: false }],
  [16, { family: UEFI_X64, http: true }],
]);

/** What this MAC did with the loader it was last given (see LoaderAttempts). */
export interface LoaderHistory {
  /** The client downloaded this loader and then asked DHCP again without fetching a boot script. */
  stuckAfter?: LoaderFile;
  /** The last loader after which this client fetched its boot script. */
  workedWith?: LoaderFile;
}

export type FirstStageChoice =
  | { loader: LoaderFile; transport: 'tftp' | 'http'; reason: string }
  | { loader: null; reason: string };

/**
 * The loader for a client that is not running iPXE, with a sentence for the timeline. A client
 * that came back after the SNP/UNDI build without ever asking for its script (some firmware's
 * SNP or UNDI driver is broken) gets the build with iPXE's own drivers; one that got stuck on
 * that too goes back to the first choice. Everything without a build gets no loader and a
 * reason, never a loader for the wrong CPU.
 */
export function chooseFirstStageLoader(info: PxeClientInfo, history: LoaderHistory = {}): FirstStageChoice {
  const entry = info.arch === null ? undefined : BY_ARCH.get(info.arch);
  if (!entry) return noLoader(info);
  const { family, http } = entry;
  const transport = http ? 'http' : 'tftp';
  const via = http ? ', downloaded by the firmware over HTTP' : '';
  const { loader, fallback } = family;
  if (fallback && history.stuckAfter === loader) {
    return { loader: fallback, transport, reason: `${family.what}: ${fallback}, iPXE with its own NIC drivers, because the client fetched ${loader} and asked again without loading its boot script${via}` };
  }
  if (fallback && history.workedWith === fallback && history.stuckAfter !== fallback) {
    return { loader: fallback, transport, reason: `${family.what}: ${fallback}, which got this client to its boot script last time${via}` };
  }
  if (fallback && history.stuckAfter === fallback) {
    return { loader, transport, reason: `${family.what}: back to ${loader}, because the client also got stuck after ${fallback}${via}` };
  }
  const driver = loader.startsWith('snponly') ? "the firmware's own network driver (SNP)" : "the PXE ROM's network driver (UNDI)";
  return { loader, transport, reason: `${family.what}: ${loader}, iPXE on ${driver}${via}` };
}

function noLoader(info: PxeClientInfo): FirstStageChoice {
  if (info.arch === null) {
    if (info.pxeClient || info.httpClient) {
      return { loader: null, reason: `the client (${info.vendorClass}) sent no architecture (option 93); not guessing a loader` };
    }
    return { loader: null, reason: 'not a network-boot client (no option 93, no PXEClient vendor class)' };
  }
  return {
    loader: null,
    reason: `no first-stage loader is bundled for ${info.archName} (option 93 = ${info.arch}); supported: 0 (BIOS), 7/9 (x86-64 UEFI), 16 (x86-64 UEFI HTTP boot)`,
  };
}
