/**
 * The one place that knows how boot files are addressed over HTTP. The iPXE script renderer
 * builds these URLs; the engine's FileSource parses them back. Scheme:
 *
 *   /boot.ipxe                          the iPXE boot script (per-client query: mac, arch, platform)
 *   /images/<imageId>/<path in image>   one file inside an image, e.g. /images/arch/arch/boot/x86_64/vmlinuz-linux
 *   /images/<imageId>.iso               the whole image file (sanboot, casper `url=`)
 *   /wimboot                            the wimboot the technician supplied (Windows PE/Setup plans)
 *
 * Path segments are percent-encoded when built; `parseImageUrlPath` takes the server's
 * already-decoded, normalised path (what FileSource.resolve receives).
 */
import { normalizeMac } from '../shared/mac.ts';

export const BOOT_SCRIPT_PATH = '/boot.ipxe';
export const IMAGES_PREFIX = '/images/';
export const WHOLE_IMAGE_SUFFIX = '.iso';
export const WIMBOOT_PATH = '/wimboot';

/**
 * Image ids become one URL path segment and an NBD export name; a '/' or a dot-only id could
 * not be told apart from a path after decoding, so such ids are a programming error.
 */
export function assertImageId(imageId: string): void {
  if (imageId === '' || imageId === '.' || imageId === '..' || /[/\\\0-\x1f\x7f]/.test(imageId)) {
    throw new RangeError(`invalid image id ${JSON.stringify(imageId)}: must be non-empty, without '/', '\\' or control characters`);
  }
}

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** Percent-encodes each segment of an image-internal path, keeping the '/' separators. */
export function encodeImagePath(innerPath: string): string {
  return innerPath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

/** `<baseUrl>/images/<id>`: the base every file of this image hangs under (no trailing slash). */
export function imageBaseUrl(baseUrl: string, imageId: string): string {
  assertImageId(imageId);
  return `${trimBase(baseUrl)}${IMAGES_PREFIX}${encodeURIComponent(imageId)}`;
}

/** URL of one file inside the image; `innerPath` is image-internal ("/arch/boot/x86_64/vmlinuz-linux"). */
export function imageFileUrl(baseUrl: string, imageId: string, innerPath: string): string {
  return `${imageBaseUrl(baseUrl, imageId)}/${encodeImagePath(innerPath)}`;
}

/** URL of the technician-supplied wimboot (src-main/engine/wimboot-file.ts finds it). */
export function wimbootUrl(baseUrl: string): string {
  return `${trimBase(baseUrl)}${WIMBOOT_PATH}`;
}

/** URL of the whole image file. */
export function wholeImageUrl(baseUrl: string, imageId: string): string {
  return `${imageBaseUrl(baseUrl, imageId)}${WHOLE_IMAGE_SUFFIX}`;
}

export type ImageUrlTarget = { imageId: string; innerPath: string } | { imageId: string; wholeImage: true };

/**
 * Inverse of the builders above, over the server's decoded path (no query):
 * '/images/arch/arch/boot/x' → { imageId: 'arch', innerPath: '/arch/boot/x' };
 * '/images/arch.iso' → { imageId: 'arch', wholeImage: true }; anything else → null.
 */
export function parseImageUrlPath(path: string): ImageUrlTarget | null {
  if (!path.startsWith(IMAGES_PREFIX)) return null;
  const rest = path.slice(IMAGES_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) {
    if (!rest.endsWith(WHOLE_IMAGE_SUFFIX)) return null;
    const imageId = rest.slice(0, -WHOLE_IMAGE_SUFFIX.length);
    return isValidId(imageId) ? { imageId, wholeImage: true } : null;
  }
  const imageId = rest.slice(0, slash);
  const segments = rest.slice(slash + 1).split('/').filter((s) => s !== '');
  if (!isValidId(imageId) || segments.length === 0) return null;
  // Servers normalise paths already; refusing dot segments here keeps this safe on its own.
  if (segments.some((s) => s === '.' || s === '..')) return null;
  return { imageId, innerPath: '/' + segments.join('/') };
}

function isValidId(imageId: string): boolean {
  try {
    assertImageId(imageId);
    return true;
  } catch {
    return false;
  }
}

/** Plain URL of the boot script (what a technician types at an iPXE prompt). */
export function bootScriptUrl(baseUrl: string): string {
  return `${trimBase(baseUrl)}${BOOT_SCRIPT_PATH}`;
}

/**
 * The iPXE settings the per-client boot-script request carries. iPXE expands `${…}` in every
 * script token and also in the DHCP boot filename (autoboot's fetch_next_server_and_filename
 * runs expand_settings on it), so this query works both as DHCP option 67 and in a script.
 * `netX` is the most recently opened NIC: on a multi-NIC machine that is the one iPXE booted
 * from, where `net0` might be another port. `${netX/mac}` formats as lowercase colon hex.
 */
export const IPXE_CLIENT_QUERY = 'mac=${netX/mac}&arch=${buildarch}&platform=${platform}';

/** What the DHCP server sends as boot filename (option 67 / `file`) to iPXE clients. */
export function ipxeChainUrl(baseUrl: string): string {
  return `${bootScriptUrl(baseUrl)}?${IPXE_CLIENT_QUERY}`;
}

export interface BootScriptQuery {
  /** True when the request came through the per-client URL (the `platform` key is present, even empty). */
  perClient: boolean;
  /** Lowercase colon-separated, when the query carried a well-formed MAC. */
  mac?: string;
  /** iPXE `${buildarch}`: i386, x86_64, arm64 … */
  buildarch?: string;
  /** iPXE `${platform}`: pcbios, efi … */
  platform?: string;
}

/**
 * Reads the boot-script query. A request without it (an iPXE that was told the plain URL by
 * someone else's DHCP server, or by a technician) should get `renderChainScript`, which asks
 * again with the client's settings; `perClient` tells the two apart without looping when iPXE
 * left a setting empty. A query that still reads `${platform}` came from an iPXE that chained
 * option 67 through a script variable (a script expands each token once, unlike autoboot): it too gets the chain script, whose URL iPXE does expand.
 */
export function parseBootScriptQuery(query: URLSearchParams | undefined): BootScriptQuery {
  if (!query || !query.has('platform') || query.get('platform')!.includes('${')) return { perClient: false };
  const mac = normalizeMac(query.get('mac'));
  const buildarch = cleanToken(query.get('arch'));
  const platform = cleanToken(query.get('platform'));
  return {
    perClient: true,
    ...(mac ? { mac } : {}),
    ...(buildarch ? { buildarch } : {}),
    ...(platform ? { platform } : {}),
  };
}

function cleanToken(value: string | null): string | undefined {
  if (!value) return undefined;
  return /^[A-Za-z0-9_.-]{1,32}$/.test(value) ? value : undefined;
}


/**
 * Files Bootcast generates for an image live under this virtual directory of the image, so plans
 * list them among their initrds like any file of the image (the '[' cannot start a name on an
 * ISO 9660 medium's Rock Ridge tree built by the usual tools, and the reader's own virtual
 * directory is /[BOOT]).
 */
export const GENERATED_DIR = '/[bootcast]';
const ISO_IN_INITRD = `${GENERATED_DIR}/iso-in-initrd/`;

/**
 * An extra initrd holding the whole image as one file at `/<name>` of the initramfs, for
 * installers that look for themselves there (Proxmox's /proxmox.iso).
 */
export function isoInInitrdPath(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RangeError(`ISO-in-initrd file name ${JSON.stringify(name)}: letters, digits, '.', '_' and '-' only`);
  return `${ISO_IN_INITRD}${name}.cpio`;
}

/** The file name an ISO-in-initrd path places the image at, or null for any other path. */
export function parseIsoInInitrdPath(innerPath: string): string | null {
  if (!innerPath.toLowerCase().startsWith(ISO_IN_INITRD.toLowerCase()) || !innerPath.endsWith('.cpio')) return null;
  const name = innerPath.slice(ISO_IN_INITRD.length, -'.cpio'.length);
  return /^[A-Za-z0-9._-]+$/.test(name) ? name : null;
}

const ESXI_TREE = `${GENERATED_DIR}/esxi/`;

/**
 * The image's tree again under a generated directory, with /boot.cfg rewritten for the network
 * (esxi.ts): ESXi's mboot resolves boot.cfg's relative module paths against the directory it
 * fetched boot.cfg from, so every module comes from here too.
 */
export function esxiTreePath(innerPath: string): string {
  return `${ESXI_TREE}${innerPath.replace(/^\/+/, '')}`;
}

/** The image path an ESXi-tree path stands for ('/boot.cfg', '/b.b00' …), or null for any other path. */
export function parseEsxiTreePath(innerPath: string): string | null {
  if (!innerPath.toLowerCase().startsWith(ESXI_TREE.toLowerCase())) return null;
  const rest = innerPath.slice(ESXI_TREE.length);
  return rest === '' ? null : `/${rest}`;
}

const WINDOWS_SETUP = `${GENERATED_DIR}/windows-setup/`;

/**
 * A file Bootcast generates for a Windows Setup image and wimboot injects into WinPE's
 * \Windows\System32 (boot/windows/setup-source.ts names them): winpeshl.ini, the setup script,
 * the technician's autounattend.xml.
 */
export function windowsSetupFilePath(name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RangeError(`Windows Setup file name ${JSON.stringify(name)}: letters, digits, '.', '_' and '-' only`);
  return `${WINDOWS_SETUP}${name}`;
}

/** The file name a Windows Setup path stands for, or null for any other path. */
export function parseWindowsSetupPath(innerPath: string): string | null {
  if (!innerPath.toLowerCase().startsWith(WINDOWS_SETUP.toLowerCase())) return null;
  const name = innerPath.slice(WINDOWS_SETUP.length);
  return /^[A-Za-z0-9._-]+$/.test(name) ? name : null;
}
