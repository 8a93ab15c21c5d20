import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { NatRecord } from './nat-record.ts';
import { bootTime, recordOwnerAlive } from './record-owner.ts';

const record = (pid: number, boot = bootTime()): NatRecord => ({
  version: 1, backend: 'nft', pid, createdAt: '2026-01-01T00:00:00.000Z', bootTime: boot,
  lanInterface: 'pxe0', lanCidr: '198.18.0.0/24', uplink: 'up0', phase: 'applied', restore: {}, applied: [],
});

describe('who owns a NAT record', () => {
  it('a live Node process of this boot still owns it', () => {
    expect(recordOwnerAlive(record(process.ppid))).toBe(true);
  });

  it('a record of an earlier boot is orphaned even if its pid is alive now', () => {
    expect(recordOwnerAlive(record(process.ppid, '2001-01-01T00:00:00.000Z'))).toBe(false);
  });

  it('a pid that exited is orphaned', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));
    expect(recordOwnerAlive(record(pid))).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')('a pid reused by a program that is not Node/Electron is orphaned (Linux)', async () => {
    const sleeper = spawn('sleep', ['30']);
    try {
      expect(recordOwnerAlive(record(sleeper.pid!))).toBe(false);
    } finally {
      sleeper.kill();
    }
  });
});
