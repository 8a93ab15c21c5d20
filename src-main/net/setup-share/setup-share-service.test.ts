import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountRoot } from './setup-share-service.ts';

describe('where the share mounts the ISOs', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('uses the data directory when the guest account can traverse down to it', () => {
    const work = mkdtempSync(join(tmpdir(), 'bootcast-mountroot-'));
    made.push(work);
    chmodSync(work, 0o755);
    expect(mountRoot(join(work, 'data'))).toBe(join(work, 'data', 'setup-share', 'mnt'));
  });

  it.skipIf(process.platform !== 'linux' || process.getuid?.() !== 0)('uses a directory of /run named after the data directory under a private home', () => {
    const work = mkdtempSync(join(tmpdir(), 'bootcast-mountroot-'));
    made.push(work);
    mkdirSync(join(work, 'home', 'data'), { recursive: true });
    chmodSync(join(work, 'home'), 0o700);
    const root = mountRoot(join(work, 'home', 'data'));
    made.push(root);
    expect(root).toMatch(/^\/run\/bootcast-setup-share-[0-9a-f]{12}$/);
    expect(existsSync(root)).toBe(true);
    expect(mountRoot(join(work, 'home', 'data'))).toBe(root);
    const other = mountRoot(join(work, 'home', 'other'));
    made.push(other);
    expect(other).not.toBe(root);
  });
});
