import type { PxeClientInfo } from '../pxe/client-class.ts';

/** The first-stage loader a PXE ROM that is not iPXE downloads, chosen from its classification. */

export type EfiLoader = 'ipxe.efi' | 'snponly.efi';

export type FirstStageChoice =
  | { loader: string; transport: 'tftp' | 'http'; reason: string }
  | { loader: null; reason: string };

/**
 * The first program a non-iPXE PXE ROM downloads: an iPXE build for its firmware, which then
 * asks DHCP again (as iPXE) and fetches the boot script over HTTP.
 * - BIOS: undionly.kpxe (uses the ROM's UNDI driver, so it works on every NIC).
 * - x86-64 UEFI (7 and 9, which EDK2 and most vendors use interchangeably): ipxe.efi with its
 *   own NIC drivers, or snponly.efi which uses the firmware's SNP driver (safer on odd NICs).
 * - x64 UEFI HTTP boot (16): the same EFI binary, fetched over HTTP by the firmware.
 * Everything else gets no loader and a reason, never a loader for the wrong CPU.
 */
export function chooseFirstStageLoader(info: PxeClientInfo, efiLoader: EfiLoader = 'ipxe.efi'): FirstStageChoice {
  switch (info.arch) {
    case 0:
      return { loader: 'undionly.kpxe', transport: 'tftp', reason: 'x86 BIOS PXE ROM: iPXE on the ROM\'s UNDI driver' };
    case 7:
    case 9:
      return { loader: efiLoader, transport: 'tftp', reason: `${info.archName} firmware: iPXE for x86-64 UEFI (${efiLoader})` };
    case 16:
      return { loader: efiLoader, transport: 'http', reason: 'x64 UEFI HTTP boot: the firmware downloads iPXE by HTTP' };
    case null:
      if (info.pxeClient || info.httpClient) {
        return { loader: null, reason: `the client (${info.vendorClass}) sent no architecture (option 93); not guessing a loader` };
      }
      return { loader: null, reason: 'not a network-boot client (no option 93, no PXEClient vendor class)' };
    default:
      return { loader: null, reason: `no first-stage loader is bundled for ${info.archName} (option 93 = ${info.arch}); supported: 0 (BIOS), 7/9 (x86-64 UEFI), 16 (x64 UEFI HTTP)` };
  }
}
