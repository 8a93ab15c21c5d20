import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootPlanSection } from '../../src-main/hosts/cli/iso-boot-section.ts';
import { renderInfo } from '../../src-main/hosts/cli/iso-info.ts';
import { IsoImage } from '../../src-main/iso/iso-image.ts';
import type { ShareHostFacts } from '../../src-main/net/setup-share/share-host.ts';
import type { BootPlan } from '../../src-main/shared/api.ts';
import { makeWindowsMedia } from '../support/windows-media.ts';

/**
 * `bootcast iso info` on Windows Setup media laid out as Microsoft's are: UDF bridge whose
 * ISO 9660 side is only a README, boot.wim and install.wim made by wimlib-imagex.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/bootcast.mjs');
const work = mkdtempSync(join(tmpdir(), 'bootcast-iso-info-win-'));
const iso = join(work, 'Win11_24H2_English_x64.iso');
/** An empty data directory, so the machine's own <data-dir>/wimboot cannot leak into the results. */
const dataDir = join(work, 'data');
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'BOOTCAST_WIMBOOT'));

function bootcast(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 16 << 20, env: ENV });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  await makeWindowsMedia(work, iso, { setup: true });
  mkdirSync(dataDir);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bootcast iso info on Windows Setup media', () => {
  it('reads the UDF side, names the image Windows Setup and prints the wimboot plan', () => {
    const r = bootcast('iso', 'info', iso, '--data-dir', dataDir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^File system {2}UDF 1\.02 \(the ISO 9660 side is only a stub\)$/m);
    expect(r.stdout).toContain('  Recipe        windows\n');
    expect(r.stdout).toContain('  Distribution  Windows Setup (CCCOMA_X64FRE_EN-US_DV9)\n');
    expect(r.stdout).toContain('  Plan wimboot  Windows Setup (wimboot)  (default)\n');
    expect(r.stdout).toContain('    file          bootmgfw.efi /efi/microsoft/boot/bootmgfw.efi  (UEFI only)\n');
    expect(r.stdout).toContain('    file          boot.wim     /sources/boot.wim\n');
  });

  it('lists install.wim through UDF, where the ISO 9660 side has only the README', () => {
    const udf = bootcast('iso', 'ls', iso, '/sources');
    expect(udf.status, udf.stderr).toBe(0);
    expect(udf.stdout).toMatch(/install\.wim/);
    const iso9660 = bootcast('iso', 'ls', '--fs', 'iso9660', iso);
    expect(iso9660.stdout.trim().split('\n')).toHaveLength(1);
    expect(iso9660.stdout).toContain('README.TXT');
  });

  it('gives the same plan under "boot" in --json', () => {
    const r = bootcast('iso', 'info', iso, '--json', '--data-dir', dataDir);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { fileSystem: string; boot: { recipe: string; plans: BootPlan[] } };
    expect(info.fileSystem).toBe('udf');
    expect(info.boot.recipe).toBe('windows');
    expect(info.boot.plans[0]!.wimbootFiles!.map((f) => f.name)).toEqual(['bootmgr', 'BCD', 'bootmgfw.efi', 'BCD', 'boot.sdi', 'boot.wim']);
    expect(info.boot.plans[0]!.unbootableReason).toMatch(/^Bootcast does not bundle wimboot/);
  });

  it('without a wimboot says the plan cannot boot yet and exactly what to do', () => {
    const r = bootcast('iso', 'info', iso, '--data-dir', dataDir);
    expect(r.stdout).toContain(
      `    why           Bootcast does not bundle wimboot: download wimboot from the iPXE project's releases and place it at ${join(dataDir, 'wimboot')}, or pass --wimboot PATH\n`,
    );
    expect(r.stdout).toContain('    kernel        wimboot (not found)\n');
  });

  it('finds the wimboot given with --wimboot, or placed in the data directory, and the plan is bootable', () => {
    const given = join(work, 'my-wimboot');
    writeFileSync(given, 'stand-in');
    const flagged = bootcast('iso', 'info', iso, '--data-dir', dataDir, '--wimboot', given);
    expect(flagged.status, flagged.stderr).toBe(0);
    expect(flagged.stdout).toContain(`    kernel        wimboot (${given})\n`);
    expect(flagged.stdout).not.toContain('    why ');
    writeFileSync(join(dataDir, 'wimboot'), 'stand-in');
    const placed = JSON.parse(bootcast('iso', 'info', iso, '--json', '--data-dir', dataDir).stdout) as { boot: { plans: BootPlan[]; wimboot: string | null } };
    expect(placed.boot.wimboot).toBe(join(dataDir, 'wimboot'));
    expect(placed.boot.plans[0]!.unbootableReason).toBeUndefined();
    rmSync(join(dataDir, 'wimboot'));
  });

  it('says where Setup will install from: the share bootcast serve starts, and the answer file beside the ISO', async () => {
    const section = (facts: ShareHostFacts) => [bootPlanSection({ path: '/w/wimboot' }, () => facts)];
    const img = await IsoImage.open(iso);
    try {
      const ready = await renderInfo(img, false, section({ platform: 'linux', root: true, smbd: '/usr/sbin/smbd' }));
      expect(ready).toContain('    install from  \\\\<boot address>\\bootcast-win11_24h2_english_x64: bootcast serve mounts the ISO read-only and shares it over SMB\n');
      expect(ready).toContain(`    answer file   none (drop one at ${join(work, 'Win11_24H2_English_x64.autounattend.xml')} for an unattended install)\n`);
      expect(ready).not.toContain('known limit');
      writeFileSync(join(work, 'Win11_24H2_English_x64.autounattend.xml'), '<unattend/>');
      const noSamba = await renderInfo(img, false, section({ platform: 'linux', root: true, smbd: null }));
      expect(noSamba).toMatch(/ {4}known limit {3}Windows Setup starts but will not find its install files: Samba's smbd is not installed: install it \(Debian\/Ubuntu: sudo apt install samba/);
      expect(noSamba).toContain(`    answer file   ${join(work, 'Win11_24H2_English_x64.autounattend.xml')} (injected as autounattend.xml)\n`);
      const json = JSON.parse(await renderInfo(img, true, section({ platform: 'darwin', root: false, smbd: null }))) as { boot: { setupShare: { available: boolean; reason: string } } };
      expect(json.boot.setupShare).toMatchObject({ available: false, reason: expect.stringContaining('hdiutil') });
    } finally {
      await img.close();
      rmSync(join(work, 'Win11_24H2_English_x64.autounattend.xml'), { force: true });
    }
  });
});
