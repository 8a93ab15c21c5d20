import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseImageUrlPath, BOOT_SCRIPT_PATH, WIMBOOT_PATH } from '../boot/image-urls.ts';
import { bufferFile, type FileRequestContext, type FileSource, type ServedFile } from '../servers/file-source.ts';
import type { ImageLibrary } from './image-library.ts';

/** First-stage loaders a PXE ROM may ask for by TFTP (or UEFI HTTP boot by HTTP). */
export const LOADER_FILES = ['undionly.kpxe', 'ipxe.efi', 'snponly.efi'] as const;

export interface BootFilesOptions {
  library: ImageLibrary;
  /** The `resources` folder (iPXE binaries live in resources/ipxe). */
  resourcesDir: string;
  /** The technician-supplied wimboot's path, or undefined when there is none (src-main/engine/wimboot-file.ts). */
  wimbootPath: () => string | undefined;
  /** Renders the per-client boot script for a /boot.ipxe request. */
  bootScript: (ctx: FileRequestContext) => string;
}

/**
 * What every path on the TFTP and HTTP servers means — the engine's side of the FileSource split:
 *   /undionly.kpxe, /ipxe.efi, /snponly.efi      bundled iPXE loaders (resources/ipxe)
 *   /boot.ipxe[?mac=…&arch=…&platform=…]          the generated per-client boot script (HTTP)
 *   /wimboot                                      the wimboot the technician supplied, Windows plans
 *   /images/<id>/<path inside the image>          a file read straight from the ISO
 *   /images/<id>.iso                              the whole image (sanboot, memdisk)
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
      const wimboot = this.o.wimbootPath();
      return wimboot === undefined ? null : diskFile(wimboot, 'application/octet-stream');
    }
    if (path === BOOT_SCRIPT_PATH && ctx.protocol === 'http') {
      return bufferFile(new TextEncoder().encode(this.o.bootScript(ctx)), 'text/plain; charset=utf-8');
    }
    const target = parseImageUrlPath(path);
    if (!target) return null;
    // Re-checked at every request: an image replaced or truncated since it was opened is re-read
    // (or refused with the reason), never served with the old lengths.
    const img = await this.o.library.current(target.imageId);
    if (!img?.iso) return null;
    if ('wholeImage' in target) return diskFile(img.info.path, 'application/octet-stream');
    const iso = img.iso;
    const entry = await iso.stat(target.innerPath, { caseInsensitive: true });
    if (!entry || entry.kind !== 'file') return null;
    return {
      size: entry.size,
      contentType: 'application/octet-stream',
      createReadStream: (start, endInclusive, options) => iso.createReadStream(entry, start, endInclusive, options),
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
  };
}
