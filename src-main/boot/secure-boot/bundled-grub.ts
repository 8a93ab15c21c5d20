/**
 * Network builds of GRUB that Bootcast ships (resources/secureboot/, provenance beside them),
 * by the vendor CA that signed them. Each can only boot kernels signed by that same vendor:
 * shim verifies the kernel against its own vendor certificate.
 */
export interface BundledGrub {
  /** Path under the resources folder. */
  file: string;
  name: string;
  /** Its built-in prefix: where it asks for grub.cfg over TFTP. */
  prefix: string;
}

const BUNDLED: Record<string, BundledGrub> = {
  'Debian Secure Boot CA': { file: 'secureboot/debian/grubnetx64.efi.signed', name: "Debian's grubnetx64.efi", prefix: '/grub' },
};

export function bundledNetGrubFor(vendor: string): BundledGrub | undefined {
  return BUNDLED[vendor];
}
