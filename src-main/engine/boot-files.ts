import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LOADER_FILES } from '../boot/first-stage-loader.ts';
import { parseEsxiTreePath, parseImageUrlPath, parseIsoInInitrdPath, parseWindowsSetupPath, BOOT_SCRIPT_PATH, WIMBOOT_PATH } from '../boot/image-urls.ts';
import { rewriteEsxiBootCfg } from '../boot/recipes/esxi.ts';
import { isGrubConfigPath, parseSignedChainPath, signedChainImages } from '../boot/secure-boot/signed-chain-paths.ts';
import { bufferFile, type FileRequestContext, type FileSource, type ServedFile } from '../servers/file-source.ts';
import { FileByteSource } from '../iso/byte-source.ts';
import type { IsoImage } from '../iso/iso-image.ts';
import type { ImageInfo } from '../shared/api.ts';
import type { ImageLibrary } from './image-library.ts';
import { isoInInitrdFile } from './iso-in-initrd-file.ts';

export interface BootFilesOptions {
  library: ImageLibrary;
  /** The `resources` folder (iPXE binaries live in resources/ipxe). */
  resourcesDir: string;
  /** The technician-supplied wimboot's path, or undefined when there is none (src-main/engine/wimboot-file.ts); no /wimboot without it. */
  wimbootPath?: () => string | undefined;
  /** Renders the per-client boot script for a /boot.ipxe request. */
  bootScript: (ctx: FileRequestContext) => string;
  /** Renders the grub.cfg a Secure Boot client's GRUB fetches over TFTP. */
  grubConfig: (ctx: FileRequestContext) => string;
  /** A file injected into a shared Windows Setup image's WinPE (engine/windows-setup-files.ts). */
  windowsSetupFile?: (info: ImageInfo, name: string) => Promise<ServedFile | null>;
}

/**
 * What every path on the TFTP and HTTP servers means — the engine's side of the FileSource split:
 *   /undionly.kpxe, /snponly.efi, … (LOADER_FILES) bundled iPXE loaders (resources/ipxe)
 *   /boot.ipxe[?mac=…&arch=…&platform=…]          the generated per-client boot script (HTTP)
 *   /wimboot                                      the wimboot the technician supplied, Windows plans
 *   /images/<id>/<path inside the image>          a file read straight from the ISO
 *   /images/<id>.iso                              the whole image (sanboot, memdisk)
 *   /secureboot/<id>/shimx64.efi, grubx64.efi      an image's signed chain (signed-chain-paths.ts)
 *   <GRUB prefix>/grub.cfg                        the generated config for that chain's GRUB
 *   /images/<id>/[bootcast]/iso-in-initrd/<n>.cpio  a generated initrd holding the whole image at /<n>
 *   /images/<id>/[bootcast]/esxi/<path>           the image's tree, its boot.cfg rewritten for mboot over HTTP
 *   /images/<id>/[bootcast]/windows-setup/<name>  winpeshl.ini, bootcast-setup.cmd, autounattend.xml for WinPE
 * Paths arrive already sanitised by the servers. Lookups inside images ignore case, because
 * boot configs often name files in another case than the image stores.
 */
export class BootFiles implements FileSource {
  constructor(private readonly o: BootFilesOptions) {}

  async resolve(path: string, ctx: FileRequestContext): Promise<ServedFile | null> {
    const bare = path.replace(/^\/+/, '');
    const loader = LOADER_FILES.find((l) => l === bare || `ipxe/${l}` === bare);
    if (loader) return diskFile(join(this.o.resourcesDir, 'ipxe', loader), 'application/octet-stream');
    if (path === WIMBOOT_PATH) {
      const wimboot = this.o.wimbootPath?.();
      return wimboot === undefined ? null : diskFile(wimboot, 'application/octet-stream');
    }
    if (path === BOOT_SCRIPT_PATH && ctx.protocol === 'http') {
      return bufferFile(new TextEncoder().encode(this.o.bootScript(ctx)), 'text/plain; charset=utf-8');
    }
    const signed = await this.signedChainFile(path, ctx);
    if (signed !== undefined) return signed;
    const target = parseImageUrlPath(path);
    if (!target) return null;
    // Re-checked at every request: an image replaced or truncated since it was opened is re-read
    // (or refused with the reason), never served with the old lengths.
    const img = await this.o.library.current(target.imageId);
    if (!img?.iso) return null;
    if ('wholeImage' in target) return diskFile(img.info.path, 'application/octet-stream');
    const placeAt = parseIsoInInitrdPath(target.innerPath);
    if (placeAt) return isoInInitrdFile(img.info.path, placeAt);
    const setupName = parseWindowsSetupPath(target.innerPath);
    if (setupName) return (await this.o.windowsSetupFile?.(img.info, setupName)) ?? null;
    const esxi = parseEsxiTreePath(target.innerPath);
    if (esxi?.toLowerCase() === '/boot.cfg') {
      const text = new TextDecoder().decode(await img.iso.readFile('/boot.cfg', { maxBytes: 64 * 1024, caseInsensitive: true }).catch(() => new Uint8Array()));
      return text ? bufferFile(new TextEncoder().encode(rewriteEsxiBootCfg(text)), 'text/plain; charset=utf-8') : null;
    }
    return this.imageFile(img.iso, esxi ?? target.innerPath);
  }

  /** undefined: not a signed-chain path; null: one, but not available. */
  private async signedChainFile(path: string, ctx: FileRequestContext): Promise<ServedFile | null | undefined> {
    const chainPath = parseSignedChainPath(path);
    if (chainPath) {
      const img = this.o.library.get(chainPath.imageId);
      const chain = img?.info.secureBoot;
      if (!img?.iso || !chain?.usable) return null;
      if (chainPath.file === 'shim') return chain.shim ? this.imageFile(img.iso, chain.shim) : null;
      if (chain.grub) return this.imageFile(img.iso, chain.grub);
      return chain.bundledGrub ? diskFile(join(this.o.resourcesDir, chain.bundledGrub), 'application/octet-stream') : null;
    }
    const prefixes = new Set(signedChainImages(this.o.library.list()).map((i) => i.secureBoot!.grubPrefix ?? ''));
    if (ctx.protocol === 'tftp' && [...prefixes].some((p) => p && isGrubConfigPath(path, p))) {
      return bufferFile(new TextEncoder().encode(this.o.grubConfig(ctx)), 'text/plain; charset=utf-8');
    }
    return undefined;
  }

  private async imageFile(iso: IsoImage, innerPath: string): Promise<ServedFile | null> {
    const entry = await iso.stat(innerPath, { caseInsensitive: true });
    if (!entry || entry.kind !== 'file') return null;
    return {
      size: entry.size,
      contentType: 'application/octet-stream',
      createReadStream: (start, endInclusive, options) => iso.createReadStream(entry, start, endInclusive, options),
      openReader: async () => iso.fileReader(entry),
    };
  }
}

async function diskFile(path: string, contentType: string): Promise<ServedFile | null> {
  const s = await stat(path).catch(() => null);
  if (!s?.isFile()) return null;
  return {
    size: s.size,
    contentType,
    mtime: s.mtime,
    createReadStream: (start, endInclusive, options) => createReadStream(path, { start, end: endInclusive, ...(options?.chunkBytes ? { highWaterMark: options.chunkBytes } : {}) }),
    openReader: () => FileByteSource.open(path),
  };
}
