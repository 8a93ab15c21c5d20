import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * What Bootcast changed, persisted in the data directory BEFORE the first change and updated
 * after each step, so a later run can undo exactly this after a crash or `kill -9`.
 * `restore` holds backend-specific values read before anything changed (ip_forward, pf token…).
 */
export interface NatRecord {
  version: 1;
  backend: NatBackendName;
  pid: number;
  createdAt: string;
  /** When the machine booted (record-owner.ts): a record from an earlier boot is always orphaned. */
  bootTime?: string;
  lanInterface: string;
  lanCidr: string;
  uplink: string;
  /** 'applying' while steps run: recovery then removes whatever subset exists. */
  phase: 'applying' | 'applied';
  restore: Record<string, string>;
  /** Human-readable list of what is applied (NatState.applied). */
  applied: string[];
}

export type NatBackendName = 'nft' | 'iptables' | 'pf' | 'netnat' | 'ics';

/** Default file name inside the engine's data directory. */
export const NAT_RECORD_FILE = 'nat-state.json';

export class NatRecordFile {
  constructor(readonly path: string) {}

  /** The record left by this or a previous run, or undefined. A corrupt file is reported, not ignored. */
  async read(): Promise<NatRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${this.path}: not valid JSON; it records firewall changes of a previous run. Inspect it, undo its rules by hand if any, then delete it.`);
    }
    const record = value as Partial<NatRecord>;
    if (record.version !== 1 || typeof record.backend !== 'string' || typeof record.restore !== 'object' || record.restore === null) {
      throw new Error(`${this.path}: unknown NAT record format (version ${String(record.version)}); delete it after checking the firewall by hand.`);
    }
    return record as NatRecord;
  }

  /**
   * Write-then-rename with fsync: after a power cut the file is either the old or the new
   * record, never half of one (a half record would lose the ip_forward value to restore).
   */
  async write(record: NatRecord): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(record, null, 2) + '\n', 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
