import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BootPlan } from '../shared/api.ts';
import { findWimboot, WIMBOOT_ENV, withWimboot } from './wimboot-file.ts';

const ADVICE = "Bootcast does not bundle wimboot: download wimboot from the iPXE project's releases and place it at";

describe('findWimboot', () => {
  let dir: string;
  let dataDir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bootcast-wimboot-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fake = (path: string) => (writeFileSync(path, 'not really wimboot'), path);

  it('says exactly what to do when there is none', () => {
    const r = findWimboot({ dataDir, env: {} });
    expect(r.path).toBeUndefined();
    expect(r.reason).toBe(`${ADVICE} ${join(dataDir, 'wimboot')}, or pass --wimboot PATH`);
  });

  it('finds <data-dir>/wimboot', () => {
    const placed = fake(join(dataDir, 'wimboot'));
    expect(findWimboot({ dataDir, env: {} })).toEqual({ path: placed });
  });

  it('prefers --wimboot, then $BOOTCAST_WIMBOOT, over the data directory', () => {
    fake(join(dataDir, 'wimboot'));
    const flag = fake(join(dir, 'flag-wimboot'));
    const env = fake(join(dir, 'env-wimboot'));
    expect(findWimboot({ dataDir, path: flag, env: { [WIMBOOT_ENV]: env } }).path).toBe(flag);
    expect(findWimboot({ dataDir, env: { [WIMBOOT_ENV]: env } }).path).toBe(env);
  });

  it('names a missing, empty or non-file wimboot the technician pointed at, and does not fall back silently', () => {
    fake(join(dataDir, 'wimboot'));
    const missing = findWimboot({ dataDir, path: join(dir, 'nope') });
    expect(missing.reason).toBe(`--wimboot ${join(dir, 'nope')} does not exist. ${ADVICE} ${join(dataDir, 'wimboot')}, or pass --wimboot PATH`);
    writeFileSync(join(dir, 'empty'), '');
    expect(findWimboot({ dataDir, env: { [WIMBOOT_ENV]: join(dir, 'empty') } }).reason).toMatch(/^\$BOOTCAST_WIMBOOT \(.*empty\) is empty\. Bootcast does not bundle wimboot/);
    expect(findWimboot({ dataDir, path: dir }).reason).toMatch(/ is not a file\. /);
  });
});

describe('withWimboot', () => {
  const plans: BootPlan[] = [
    { id: 'wimboot', recipe: 'windows', title: 'Windows PE (wimboot)', via: 'wimboot', initrds: [], firmware: ['bios', 'uefi'], wimbootFiles: [{ name: 'boot.wim', path: '/sources/boot.wim' }] },
    { id: 'sanboot', recipe: 'windows', title: 'Whole ISO', via: 'sanboot', initrds: [], firmware: ['bios'] },
  ];

  it('marks only wimboot plans unbootable, with the reason, when there is no wimboot', () => {
    const out = withWimboot(plans, { reason: 'no wimboot here' });
    expect(out.map((p) => p.unbootableReason)).toEqual(['no wimboot here', undefined]);
    expect(plans[0]!.unbootableReason).toBeUndefined();
  });

  it('leaves the plans as they are when there is one', () => {
    expect(withWimboot(plans, { path: '/x/wimboot' })).toBe(plans);
  });
});
