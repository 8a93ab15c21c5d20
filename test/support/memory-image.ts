import type { ImageEntry, ImageFiles } from '../../src-main/iso/image-files.ts';

/**
 * An in-memory ImageFiles for recipe tests: a map of image paths to contents. A string is a
 * text file, a Uint8Array a binary one; a number is a file of that many bytes whose content does
 * not matter (kernels, squashfs) and is never materialised. Directories are implied by the paths.
 */
export type MemoryTree = Record<string, string | number | Uint8Array>;

export class MemoryImage implements ImageFiles {
  private readonly entries = new Map<string, { entry: ImageEntry; content?: Uint8Array }>();

  constructor(
    tree: MemoryTree,
    readonly path = '/images/test.iso',
    readonly volumeId?: string,
  ) {
    this.addDir('/');
    for (const [rawPath, content] of Object.entries(tree)) {
      const path = '/' + rawPath.split('/').filter((s) => s).join('/');
      const parts = path.split('/').filter((s) => s);
      for (let i = 1; i < parts.length; i++) this.addDir('/' + parts.slice(0, i).join('/'));
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : typeof content === 'number' ? undefined : content;
      const size = typeof content === 'number' ? content : bytes!.byteLength;
      this.entries.set(path, { entry: { name: parts[parts.length - 1]!, path, kind: 'file', size }, ...(bytes ? { content: bytes } : {}) });
    }
  }

  private addDir(path: string): void {
    if (this.entries.has(path)) return;
    const name = path === '/' ? '' : path.slice(path.lastIndexOf('/') + 1);
    this.entries.set(path, { entry: { name, path, kind: 'dir', size: 0 } });
  }

  private find(path: string, caseInsensitive = false): { entry: ImageEntry; content?: Uint8Array } | undefined {
    const norm = '/' + path.split('/').filter((s) => s).join('/');
    const exact = this.entries.get(norm);
    if (exact || !caseInsensitive) return exact;
    const lower = norm.toLowerCase();
    for (const [p, e] of this.entries) if (p.toLowerCase() === lower) return e;
    return undefined;
  }

  async stat(path: string, opts?: { caseInsensitive?: boolean }): Promise<ImageEntry | null> {
    return this.find(path, opts?.caseInsensitive)?.entry ?? null;
  }

  async list(dirPath: string): Promise<ImageEntry[]> {
    const dir = this.find(dirPath);
    if (!dir || dir.entry.kind !== 'dir') throw new Error(`${this.path}: ${dirPath} is not a directory`);
    const prefix = dir.entry.path === '/' ? '/' : dir.entry.path + '/';
    return [...this.entries.values()]
      .map((e) => e.entry)
      .filter((e) => e.path !== '/' && e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/'));
  }

  async readFile(path: string, opts?: { maxBytes?: number; caseInsensitive?: boolean }): Promise<Uint8Array> {
    const found = this.find(path, opts?.caseInsensitive);
    if (!found || found.entry.kind !== 'file') throw new Error(`${this.path}: no file ${path}`);
    const max = opts?.maxBytes ?? 16 << 20;
    if (found.entry.size > max) throw new RangeError(`${this.path}: ${path} is ${found.entry.size} bytes, more than ${max}`);
    return found.content ?? new Uint8Array(found.entry.size);
  }
}
