import { createReadStream, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { FileByteSource } from '../../src-main/iso/byte-source.ts';
import type { FileRequestContext, FileSource, ServedFile } from '../../src-main/servers/file-source.ts';

/**
 * A FileSource over a directory, for tests and benches only: the product maps paths to ISO
 * content itself. Records every resolve() call so tests can check what the servers passed on
 * (sanitised path, client address, query).
 */
export class DirSource implements FileSource {
  readonly calls: Array<{ path: string; ctx: FileRequestContext }> = [];
  private readonly root: string;

  constructor(root: string, private readonly readHighWaterMark = 64 * 1024) {
    this.root = resolve(root);
  }

  async resolve(path: string, ctx: FileRequestContext): Promise<ServedFile | null> {
    this.calls.push({ path, ctx });
    const full = resolve(join(this.root, path));
    // Defence in depth: the servers sanitise, but a test source must not serve outside its root either.
    if (full !== this.root && !full.startsWith(this.root + sep)) throw new Error(`DirSource: ${path} escapes ${this.root}`);
    let stat;
    try {
      stat = statSync(full);
    } catch {
      return null;
    }
    if (!stat.isFile()) return null;
    const highWaterMark = this.readHighWaterMark;
    return {
      size: stat.size,
      mtime: stat.mtime,
      contentType: path.endsWith('.ipxe') ? 'text/plain; charset=utf-8' : undefined,
      createReadStream: (start, endInclusive, options) => createReadStream(full, { start, end: endInclusive, highWaterMark: options?.chunkBytes ?? highWaterMark }),
      // Positioned reads as the engine's disk and ISO files offer them (HTTP bodies use these).
      openReader: () => FileByteSource.open(full),
    };
  }
}
