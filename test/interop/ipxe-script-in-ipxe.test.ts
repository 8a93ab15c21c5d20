import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BootPlan } from '../../src-main/shared/api.ts';
import { renderBootScript, type BootScriptInput } from '../../src-main/boot/ipxe-script.ts';

/**
 * Rendered boot scripts run by a real iPXE (Debian's ipxe.lkrn, the same 2019 code base as the
 * ipxe-qemu ROMs and the bundled loaders) under QEMU with no network card: the kernel download
 * fails at once, which exercises the menu, its timeout, `goto ${choice}`, the failure screen
 * and the echoing of hostile image names exactly as iPXE's own parser handles them.
 * ipxe.lkrn executes a script handed to it as initrd. No network at all: nothing leaves QEMU.
 */
const IPXE_LKRN = '/usr/lib/ipxe/ipxe.lkrn';
const work = mkdtempSync(join(tmpdir(), 'bootcast-ipxe-script-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runInIpxe(name: string, script: string, until: RegExp, timeoutMs = 50_000): Promise<string> {
  if (!existsSync(IPXE_LKRN)) throw new Error(`${IPXE_LKRN} missing: install the Debian package "ipxe"`);
  const scriptPath = join(work, `${name}.ipxe`);
  const serial = join(work, `${name}.serial.log`);
  writeFileSync(scriptPath, script);
  writeFileSync(serial, '');
  const qemu = spawn(
    'qemu-system-x86_64',
    ['-accel', 'tcg', '-m', '128', '-nic', 'none', '-display', 'none', '-vga', 'none', '-machine', 'graphics=off', '-monitor', 'none',
      '-serial', `file:${serial}`, '-no-reboot', '-kernel', IPXE_LKRN, '-initrd', scriptPath],
    { stdio: 'ignore' },
  );
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const text = readFileSync(serial, 'latin1');
      const done = until.test(text);
      if (done || Date.now() - started > timeoutMs || qemu.exitCode !== null) {
        clearInterval(timer);
        qemu.kill('SIGKILL');
        if (done) resolve(text);
        else reject(new Error(`iPXE did not print ${until} within ${timeoutMs / 1000} s; serial:\n${text.slice(-3000)}`));
      }
    }, 250);
  });
}

/** Serial output without ANSI sequences and carriage returns, for line matching. */
function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[a-zA-Z]/g, '').replace(/\r/g, '');
}

const plan: BootPlan = {
  id: 'http',
  recipe: 'archiso',
  title: 'Live over HTTP',
  via: 'http',
  kernel: '/arch/boot/x86_64/vmlinuz-linux',
  initrds: ['/arch/boot/x86_64/initramfs-linux.img'],
  cmdline: 'quiet ; reboot #c archisobasedir=arch BOOTIF=01-{{mac_hyphen}}',
  firmware: ['bios', 'uefi'],
};
const base: BootScriptInput = {
  baseUrl: 'http://198.18.0.1',
  serverAddress: '198.18.0.1',
  client: { mac: '52:54:00:12:34:56', platform: 'pcbios', buildarch: 'i386' },
  images: [],
  menuTimeoutSec: 1,
  nbdPort: 10809,
};

describe('boot scripts in a real iPXE', () => {
  it('times out the menu into the default entry, fails the download without a network and shows the failure screen; hostile names print literally', async () => {
    const script = renderBootScript({
      ...base,
      images: [
        { id: 'evil', name: 'R ; reboot || shell && x # ${platform}', plans: [plan] },
        { id: 'win', name: 'Windows 11', plans: [{ id: 'none', recipe: 'none', title: 'no', via: 'none', initrds: [], firmware: ['bios', 'uefi'], unbootableReason: 'needs wimboot' }] },
      ],
    });
    const out = plain(await runInIpxe('menu', script, /Press s for the iPXE shell/));
    expect(out).toContain('Bootcast: booting R ; reboot || shell && x # $ {platform}: Live over HTTP\n');
    expect(out).toMatch(/Bootcast: boot failed \(error \S+\); the line above says why\.\n/);
    expect(out).toContain('Bootcast: server 198.18.0.1, boot script http://198.18.0.1/boot.ipxe\n');
  }, 60_000);

  it('checks its own firmware when the server could not tell, refusing a UEFI-only entry on BIOS', async () => {
    const efiOnly: BootPlan = { id: 'efi', recipe: 'efi-program', title: 'EFI program', via: 'http', kernel: '/EFI/BOOT/bootx64.efi', initrds: [], firmware: ['uefi'] };
    const script = renderBootScript({ ...base, client: {}, images: [{ id: 'memtest', name: 'memtest86+', plans: [efiOnly] }] });
    const out = plain(await runInIpxe('firmware', script, /Press any key to ask the server again/));
    expect(out).toContain('Bootcast: this entry is for the other firmware type; this client runs pcbios.\n');
  }, 60_000);

  it('shows why an image cannot boot and waits, instead of dropping to the shell', async () => {
    const script = renderBootScript({
      ...base,
      images: [{ id: 'win', name: 'Win11_24H2.iso', plans: [{ id: 'none', recipe: 'none', title: 'no', via: 'none', initrds: [], firmware: ['bios', 'uefi'], unbootableReason: 'Windows installer (sources/boot.wim): booting it needs wimboot, which Bootcast does not bundle yet' }] }],
    });
    const out = plain(await runInIpxe('reason', script, /ask again \(auto in/));
    expect(out).toContain('Bootcast: Win11_24H2.iso cannot be network-booted: Windows installer\n');
    expect(out).toContain('(sources/boot.wim): booting it needs wimboot, which Bootcast does not\n');
    expect(out).not.toContain('iPXE>');
  }, 60_000);
});
