import type { ImageInfo } from '../../shared/api.ts';

/**
 * Where the signed chain lives on Bootcast's TFTP server. Each image gets a virtual directory,
 * because shim loads grubx64.efi from the directory it was itself loaded from:
 *
 *   /secureboot/<imageId>/shimx64.efi   the image's own shim (EFI/BOOT/BOOTX64.EFI)
 *   /secureboot/<imageId>/grubx64.efi   the image's network GRUB, or the bundled one of its vendor
 *   <GRUB prefix>/grub.cfg[-…]          the generated config (Debian's grubnetx64: /grub/grub.cfg)
 */
export const SIGNED_CHAIN_DIR = 'secureboot';
const SHIM = 'shimx64.efi';
const GRUB = 'grubx64.efi';

/** The DHCP boot file for an image's signed chain (relative, as PXE firmware sends it back). */
export function shimBootFile(imageId: string): string {
  return `${SIGNED_CHAIN_DIR}/${imageId}/${SHIM}`;
}

export function parseSignedChainPath(path: string): { imageId: string; file: 'shim' | 'grub' } | null {
  const m = /^\/?secureboot\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return null;
  const name = m[2]!.toLowerCase();
  if (name === SHIM) return { imageId: m[1]!, file: 'shim' };
  if (name === GRUB) return { imageId: m[1]!, file: 'grub' };
  return null;
}

/**
 * Whether a TFTP path is a grub.cfg that a network GRUB with this prefix asks for: the embedded
 * config of Debian's build sources `$prefix/grub.cfg`; GRUB's own network search (no embedded
 * config) tries `grub.cfg-01-<mac>`, `grub.cfg-<IP in hex>` shortened digit by digit, then
 * `grub.cfg`. All get the same per-client answer.
 */
export function isGrubConfigPath(path: string, prefix: string): boolean {
  const p = '/' + path.replace(/^\/+/, '');
  const base = '/' + prefix.replace(/^\/+|\/+$/g, '');
  return p === `${base}/grub.cfg` || p.startsWith(`${base}/grub.cfg-`);
}

/** Images whose signed chain can boot a Secure Boot machine. */
export function signedChainImages(images: readonly ImageInfo[]): ImageInfo[] {
  return images.filter((i) => !i.error && i.secureBoot?.usable);
}
