import type { BootPlan, SecureBootChain } from '../../shared/api.ts';
import type { ImageFiles } from '../../iso/image-files.ts';
import { readGrubImage } from './grub-image.ts';
import { readPeImage } from './pe-image.ts';
import { bundledNetGrubFor } from './bundled-grub.ts';

/**
 * Whether an image can boot a machine with UEFI Secure Boot on, and through what: its own
 * Microsoft-signed shim (EFI/BOOT/BOOTX64.EFI), a GRUB signed by the vendor whose CA that shim
 * carries, and a kernel signed by the same vendor. Only x86-64 UEFI for now (the chain is
 * shimx64 → grubx64 → kernel).
 *
 * GRUB must be able to read over the network. Installer and live media carry the CD build
 * (Debian's gcdx64: no tftp or http module; it searches the medium for /.disk/info), which
 * cannot be steered over the network; then a network build signed by the same vendor, bundled
 * in resources/secureboot (Debian's grubnetx64), takes its place.
 */

const SHIM_PATHS = ['/EFI/BOOT/BOOTX64.EFI'];
const X86_64 = 0x8664;
const MICROSOFT_UEFI_CA = /^Microsoft (Corporation )?UEFI CA/;
/** Large enough for any kernel with its EFI stub; read once when the image is added. */
const MAX_KERNEL_BYTES = 64 << 20;

export async function inspectSignedChain(files: ImageFiles, plan: BootPlan | undefined): Promise<SecureBootChain> {
  const read = async (path: string, maxBytes = 16 << 20) => {
    try {
      return await files.readFile(path, { maxBytes, caseInsensitive: true });
    } catch {
      return null;
    }
  };
  const no = (reason: string, extra: Partial<SecureBootChain> = {}): SecureBootChain => ({ usable: false, reason, ...extra });

  let shimPath: string | undefined;
  let shimBytes: Uint8Array | null = null;
  for (const p of SHIM_PATHS) {
    const entry = await files.stat(p, { caseInsensitive: true }).catch(() => null);
    if (entry?.kind === 'file') {
      shimPath = entry.path;
      shimBytes = await read(entry.path);
      break;
    }
  }
  if (!shimPath || !shimBytes) return no('the image has no EFI/BOOT/BOOTX64.EFI (no UEFI boot loader)');
  const shim = readPeImage(shimBytes);
  if (!shim || shim.machine !== X86_64) return no(`${shimPath} is not an x86-64 EFI program`);
  if (!MICROSOFT_UEFI_CA.test(shim.signerNames[0] ?? '')) {
    return no(`${shimPath} is not signed by Microsoft's UEFI CA (${shim.signerNames[0] ? `signed by ${shim.signerNames[0]}` : 'unsigned'}): Secure Boot firmware refuses it`);
  }
  const vendor = shim.embeddedNames[0];
  if (!vendor) return no(`${shimPath} is signed by Microsoft but carries no vendor certificate: it is not a shim`);

  const dir = shimPath.slice(0, shimPath.lastIndexOf('/'));
  const grubEntry = await files.stat(`${dir}/grubx64.efi`, { caseInsensitive: true }).catch(() => null);
  if (grubEntry?.kind !== 'file') return no(`no grubx64.efi beside ${shimPath}`, { shim: shimPath, vendor });
  const grubBytes = await read(grubEntry.path);
  const grubPe = grubBytes ? readPeImage(grubBytes) : null;
  if (!grubBytes || !grubPe) return no(`${grubEntry.path} is not an EFI program`, { shim: shimPath, vendor });
  if (grubPe.signerNames[0] !== vendor) {
    return no(`${grubEntry.path} is not signed by ${vendor} (the CA ${shimPath} trusts)`, { shim: shimPath, vendor });
  }

  if (!plan?.kernel) return no('the boot plan names no kernel', { shim: shimPath, vendor });
  const kernelBytes = await read(plan.kernel, MAX_KERNEL_BYTES);
  const kernel = kernelBytes ? readPeImage(kernelBytes) : null;
  if (!kernel) return no(`the kernel ${plan.kernel} has no EFI stub (not a PE image): shim cannot verify it`, { shim: shimPath, vendor });
  if (kernel.signerNames.length === 0) return no(`the kernel ${plan.kernel} is not signed: shim refuses it`, { shim: shimPath, vendor });
  if (kernel.signerNames[0] !== vendor) {
    return no(`the kernel ${plan.kernel} is signed by ${kernel.signerNames[0]}, not by ${vendor} (the CA ${shimPath} trusts)`, { shim: shimPath, vendor });
  }

  const grub = readGrubImage(grubBytes);
  if (grub?.tftp) {
    return { usable: true, reason: `${vendor} chain: the image's shim, its network-capable GRUB and its signed kernel`, shim: shimPath, vendor, grub: grubEntry.path, grubPrefix: grub.prefix };
  }
  const bundled = bundledNetGrubFor(vendor);
  const cdBuild = grub ? 'the CD build of GRUB (no tftp or http module, it looks for its config on the medium)' : 'not a GRUB image Bootcast can read';
  if (!bundled) {
    return no(`${grubEntry.path} is ${cdBuild}, and Bootcast carries no network GRUB signed by ${vendor}`, { shim: shimPath, vendor });
  }
  return {
    usable: true,
    reason: `${vendor} chain: the image's shim, Bootcast's ${bundled.name} (signed by the same vendor) because ${grubEntry.path} is ${cdBuild}, and the image's signed kernel`,
    shim: shimPath,
    vendor,
    bundledGrub: bundled.file,
    grubPrefix: bundled.prefix,
  };
}
