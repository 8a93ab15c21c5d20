import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lease } from './lease-pool.ts';

/**
 * Leases persisted as JSON in the data directory so a restarted Bootcast gives machines the
 * addresses they already have. Writes are coalesced (a burst of 500 ACKs is one or two writes)
 * and atomic (temp file + rename), so a crash leaves the old or the new file, never half of one.
 */
export const LEASE_FILE_NAME = 'dhcp-leases.json';

interface LeaseFileV1 {
  version: 1;
  leases: Lease[];
}

export async function loadLeaseFile(dataDir: string): Promise<{ leases: Lease[]; warning?: string }> {
  const path = join(dataDir, LEASE_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { leases: [] };
    return { leases: [], warning: `could not read ${path}: ${(err as Error).message}; starting with no leases` };
  }
  try {
    const parsed = JSON.parse(text) as LeaseFileV1;
    if (parsed.version !== 1 || !Array.isArray(parsed.leases)) throw new Error(`unknown format (version ${String(parsed.version)})`);
    const leases = parsed.leases.filter((l) => typeof l.clientKey === 'string' && typeof l.ip === 'string' && typeof l.expiresAt === 'number' && typeof l.mac === 'string');
    return { leases };
  } catch (err) {
    const aside = `${path}.corrupt-${Date.now()}`;
    await rename(path, aside).catch(() => {});
    return { leases: [], warning: `${path} is not a valid lease file (${(err as Error).message}); moved it to ${aside} and started with no leases` };
  }
}

export class LeaseFileWriter {
  private readonly path: string;
  private pending = false;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly dataDir: string,
    private readonly snapshot: () => Lease[],
    private readonly onError: (message: string) => void,
  ) {
    this.path = join(dataDir, LEASE_FILE_NAME);
  }

  /** Schedules a write of the current leases; calls during a write are folded into the next one. */
  markDirty(): void {
    this.pending = true;
    if (!this.writing) this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      await mkdir(this.dataDir, { recursive: true });
      while (this.pending) {
        this.pending = false;
        const body: LeaseFileV1 = { version: 1, leases: this.snapshot() };
        const tmp = `${this.path}.tmp-${process.pid}`;
        await writeFile(tmp, JSON.stringify(body, null, 1));
        await rename(tmp, this.path);
      }
    } catch (err) {
      this.onError(`could not save DHCP leases to ${this.path}: ${(err as Error).message}`);
    } finally {
      this.writing = null;
    }
  }

  /** Resolves when everything marked dirty so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending) {
      this.writing = this.drain();
      await this.writing;
    }
  }
}
