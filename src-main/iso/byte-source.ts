import { open, type FileHandle } from 'node:fs/promises';
import { IsoError } from './iso-error.ts';

/**
 * Positioned reads over an image. The file-backed one is what runs; the in-memory one lets the
 * fuzz tests mutate thousands of images without touching the disk.
 */
export interface ByteSource {
  readonly size: number;
  /** Fills `target` from `position`; returns how many bytes there were (less only at the end). */
  read(target: Uint8Array, position: number): Promise<number>;
  close(): Promise<void>;
}

export class FileByteSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    private readonly path: string,
  ) {}

  static async open(path: string): Promise<FileByteSource> {
    const handle = await open(path, 'r');
    try {
      const st = await handle.stat();
      // Block devices (an inserted DVD, /dev/sr0) report size 0 from stat; the reader needs a
      // size for its bounds checks, and seeking to the end gives it.
      const size = st.isFile() ? st.size : await endOf(handle);
      return new FileByteSource(handle, size, path);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async read(target: Uint8Array, position: number): Promise<number> {
    let done = 0;
    // pread may return short counts (signals, network file systems): loop until full or EOF.
    while (done < target.byteLength) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(target, done, target.byteLength - done, position + done));
      } catch (err) {
        // EIO from a failing disk, EBADF after close: still an IsoError that names the file.
        const closed = (err as NodeJS.ErrnoException).code === 'EBADF';
        throw new IsoError(this.path, closed ? 'closed' : 'io', `reading ${target.byteLength} bytes at byte ${position}: ${(err as Error).message}`, undefined, { cause: err });
      }
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function endOf(handle: FileHandle): Promise<number> {
  // Binary search for the last readable byte: FileHandle has no lseek(SEEK_END).
  const one = new Uint8Array(1);
  let lo = 0, hi = 1;
  while ((await handle.read(one, 0, 1, hi - 1)).bytesRead === 1 && hi < 2 ** 52) hi *= 2;
  if (hi === 1) return 0;
  lo = hi / 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await handle.read(one, 0, 1, mid - 1)).bytesRead === 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

export class MemoryByteSource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.byteLength;
  }

  async read(target: Uint8Array, position: number): Promise<number> {
    const n = Math.max(0, Math.min(target.byteLength, this.bytes.byteLength - position));
    target.set(this.bytes.subarray(position, position + n));
    return n;
  }

  async close(): Promise<void> {}
}
