import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BootPlan } from '../../src-main/shared/api.ts';

/**
 * `bootcast iso info` tells a technician how an image will network-boot before serving it:
 * the recipe and each boot plan exactly as served. Runs the real command on the archiso-layout
 * ISO the e2e tests boot (test/support/make-test-iso.sh) and on Debian's ipxe.iso.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/bootcast.mjs');
const work = mkdtempSync(join(tmpdir(), 'bootcast-iso-info-boot-'));
const iso = join(work, 'archlinux-test.iso');

function bootcast(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The lines of one titled section of the text output, without its heading. */
function section(text: string, title: string): string[] {
  const blocks = text.split('\n\n').map((b) => b.split('\n'));
  return blocks.find((b) => b[0] === title)?.slice(1) ?? [];
}

beforeAll(() => {
  execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { stdio: ['ignore', 'ignore', 'pipe'] });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bootcast iso info: network boot', () => {
  it('names the archiso recipe and prints both plans with kernel, initrd, command-line template, RAM and firmware', () => {
    const r = bootcast('iso', 'info', iso);
    expect(r.status, r.stderr).toBe(0);
    const lines = section(r.stdout, 'Network boot');
    expect(lines).toContain('  Recipe        archiso');
    expect(lines).toContain('  Image id      archlinux-test (in URLs /images/archlinux-test/… and as the NBD export name)');
    const plan = (id: string) => {
      const start = lines.findIndex((l) => l.startsWith(`  Plan ${id} `));
      const end = lines.findIndex((l, i) => i > start && !l.startsWith('    '));
      return lines.slice(start, end < 0 ? undefined : end);
    };
    const http = plan('http');
    expect(http[0]).toMatch(/^ {2}Plan http +\S.*\(default\)$/);
    expect(http).toEqual(
      expect.arrayContaining([
        '    kernel        /arch/boot/x86_64/vmlinuz-linux',
        '    initrd        /arch/boot/x86_64/initramfs-linux.img',
        '    firmware      BIOS, UEFI',
        '    command line  console=ttyS0 archisobasedir=arch ip=dhcp BOOTIF=01-{{mac_hyphen}} archiso_http_srv={{image_url}}/',
        '    confidence    booted here from a synthetic layout (BIOS, UEFI)',
      ]),
    );
    expect(http.some((l) => /^ {4}client RAM +\d+ MiB/.test(l))).toBe(true);
    const nbd = plan('nbd');
    expect(nbd[0]).not.toContain('(default)');
    expect(nbd).toEqual(expect.arrayContaining(['    kernel        /arch/boot/x86_64/vmlinuz-linux', '    firmware      BIOS, UEFI']));
    expect(nbd.find((l) => l.startsWith('    command line'))).toContain('archiso_nbd_srv={{server}} archiso_nbd_name={{nbd_export}}');
    // Every placeholder the command lines use is explained, with this image's own id where it applies.
    expect(lines).toContain('    {{nbd_export}}  archlinux-test (the image\'s NBD export name)');
    expect(lines.some((l) => l.startsWith('    {{image_url}}   http://<server>[:<http port>]/images/archlinux-test '))).toBe(true);
    expect(r.stdout.indexOf('\nBoot files\n')).toBeLessThan(r.stdout.indexOf('\nNetwork boot\n'));
  });

  it('gives the same plans under "boot" in --json, as the engine serves them', () => {
    const r = bootcast('iso', 'info', iso, '--json');
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { volumeId: string; boot: { recipe: string; imageId: string; defaultPlan: string; arch: string; plans: BootPlan[] } };
    expect(json.volumeId).toBe('BOOTCAST_E2E');
    expect(json.boot).toMatchObject({ recipe: 'archiso', imageId: 'archlinux-test', defaultPlan: 'http', arch: 'x86_64' });
    expect(json.boot.plans.map((p) => [p.id, p.via])).toEqual([
      ['http', 'http'],
      ['nbd', 'nbd'],
    ]);
    for (const p of json.boot.plans) {
      expect(p).toMatchObject({ recipe: 'archiso', kernel: '/arch/boot/x86_64/vmlinuz-linux', initrds: ['/arch/boot/x86_64/initramfs-linux.img'], firmware: ['bios', 'uefi'] });
      expect(p.minRamMiB).toBeGreaterThan(0);
      expect(p.confidence).toBe('synthetic');
    }
    expect(json.boot.plans[1]!.cmdline).toMatch(/ archiso_nbd_srv=\{\{server\}\} archiso_nbd_name=\{\{nbd_export\}\}( |$)/);
  });

  it('explains an image no Linux recipe takes: the sanboot fallback for BIOS and why', () => {
    const r = bootcast('iso', 'info', '/usr/lib/ipxe/ipxe.iso');
    expect(r.status, r.stderr).toBe(0);
    const lines = section(r.stdout, 'Network boot');
    expect(lines).toContain('  Recipe        sanboot');
    expect(lines).toContain('    firmware      BIOS');
    expect(lines).toContain('    confidence    booted here from a synthetic layout (BIOS)');
    expect(lines.slice(lines.indexOf('  Notes') + 1).join('\n')).toContain('generic-linux: the boot menus hold only tools');
  });

  it("recognises Debian's memtest86+ ISO, one plan for BIOS and UEFI, proven on the real binary", () => {
    const r = bootcast('iso', 'info', '/usr/lib/memtest86+/memtest86+x64.iso');
    expect(r.status, r.stderr).toBe(0);
    const lines = section(r.stdout, 'Network boot');
    expect(lines).toContain('  Recipe        memtest86+');
    expect(lines).toEqual(expect.arrayContaining([
      '    firmware      BIOS, UEFI',
      '    kernel        /EFI/BOOT/bootx64.efi',
      '    confidence    booted here from the real initramfs (BIOS, UEFI)',
      '    known limit   Secure Boot must be off: the memtest86+ binary on the ISO is not signed',
    ]));
  });
});
