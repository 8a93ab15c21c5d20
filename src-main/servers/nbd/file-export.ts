import { open } from 'node:fs/promises';
import type { NbdExport } from './export-provider.ts';

/**
 * A whole file (an ISO image) as a read-only export: one FileHandle per connection and
 * positioned reads, so concurrent requests never share a file position.
 */
export async function fileExport(path: string): Promise<NbdExport> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  const readInto = async (target: Uint8Array, offset: number): Promise<void> => {
    const length = target.byteLength;
    let done = 0;
    // pread may return fewer bytes than asked (signals, some filesystems); loop until full.
    while (done < length) {
      const { bytesRead } = await handle.read(target, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new Error(`${path}: file ended at ${offset + done} while reading ${length} bytes at ${offset}; it was ${size} bytes when opened — was the image replaced while being served?`);
      }
      done += bytesRead;
    }
  };
  return {
    size,
    async read(offset, length) {
      const buffer = Buffer.allocUnsafe(length);
      await readInto(buffer, offset);
      return buffer;
    },
    readInto,
    close: () => handle.close(),
  };
}
