import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src-main/boot/inspect-image.ts';
import { renderBootScript } from '../../src-main/boot/ipxe-script.ts';
import { IsoImage } from '../../src-main/iso/iso-image.ts';
import type { BootPlan, ImageInfo } from '../../src-main/shared/api.ts';

/**
 * The archiso recipe's HTTP plan and the sanboot fallback, rendered into boot scripts, booted by real firmware:
 * SeaBIOS and OVMF, each with the iPXE ROM QEMU ships (ipxe-qemu), the test ISO's kernel and
 * busybox initramfs printing a marker fetched over HTTP with the parameters it was booted with.
 * Networking is QEMU's user mode with restrict=on: the guest reaches only 198.18.9.100:80 (QEMU's virtual network renumbered into 198.18.0.0/15), which
 * QEMU forwards to a process per connection (test/support/stdio-image-http.ts) reading the ISO
 * through IsoImage. No namespace, no socket on the host, nothing leaves QEMU.
 *
 * What this pins down that unit tests cannot: iPXE (2019 build) parses the script, hands the
 * initrds over on BIOS and, on UEFI, through `initrd --name` + `initrd=` (the EFI stub loads them
 * "from command line option"), and archiso-style parameters reach the kernel command line intact.
 */
const SANBOOT: BootPlan = { id: 'sanboot', recipe: 'sanboot', title: 'Whole image as a BIOS disk', via: 'sanboot', initrds: [], firmware: ['bios'] };
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const work = mkdtempSync(join(tmpdir(), 'bootcast-plans-firmware-'));
let iso = '';
let marker = '';
let info: ImageInfo;

beforeAll(async () => {
  iso = join(work, 'archiso-test.iso');
  marker = execFileSync('bash', [join(ROOT, 'test/support/make-test-iso.sh'), iso], { encoding: 'utf8' }).trim().split('\n').pop()!;
  const image = await IsoImage.open(iso);
  try {
    const r = await inspectImage(image);
    info = { id: 'archiso-test', path: iso, fileName: 'archiso-test.iso', sizeBytes: 0, plans: r.plans, ...(r.distro ? { distro: r.distro } : {}), recipe: r.recipe, selectedPlan: 'http' };
  } finally {
    await image.close();
  }

  it('sanboots the whole image over HTTP on SeaBIOS: iPXE hooks it as a disk and the image\'s own isolinux boots its kernel from it', async () => {
    const { serial } = await bootWith('bios', 'sanboot', /BOOTCAST-E2E-INIT/);
    const tail = serial.slice(-2500);
    expect(serial, tail).toContain('Booting from SAN device 0x80');
    expect(serial, tail).toContain('ISOLINUX');
    // The command line comes from the image's own syslinux.cfg: proof the whole ISO was booted as a disk.
    expect(serial, tail).toMatch(/BOOTCAST-E2E-INIT BOOT_IMAGE=\/arch\/boot\/x86_64\/vmlinuz-linux archisobasedir=arch archisolabel=BOOTCAST_E2E console=ttyS0/);
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bootWith(firmware: 'bios' | 'uefi', planId = 'http', until = /BOOTCAST-E2E-(OK|FAIL)/): Promise<{ serial: string; requests: string[] }> {
  const tag = `${firmware}-${planId}`;
  const plan: BootPlan | undefined = info.plans.find((p) => p.id === planId) ?? (planId === 'sanboot' ? SANBOOT : undefined);
  const scriptPath = join(work, `${tag}.ipxe`);
  const logPath = join(work, `${tag}.requests.log`);
  const serialPath = join(work, `${tag}.serial.log`);
  writeFileSync(logPath, '');
  writeFileSync(serialPath, '');
  writeFileSync(
    scriptPath,
    renderBootScript({
      baseUrl: 'http://198.18.9.100',
      serverAddress: '198.18.9.100',
      client: { mac: '52:54:00:12:34:56', platform: firmware === 'bios' ? 'pcbios' : 'efi', buildarch: firmware === 'bios' ? 'i386' : 'x86_64' },
      images: [{ id: info.id, name: info.distro ?? info.fileName, plans: [...info.plans, SANBOOT], plan: plan!, arch: 'x86_64' }],
      menuTimeoutSec: 1,
      nbdPort: 10809,
    }),
  );
  // guestfwd's cmd: takes no arguments with spaces reliably: a wrapper script holds them.
  const wrapper = join(work, `${tag}.fwd.sh`);
  const tsx = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
  if (planId === 'sanboot') {
    // iPXE's HTTP SAN disk reads with HEAD and a Range request per block: busybox httpd in inetd
    // mode answers those quickly (a process per connection; ours costs a Node start-up each).
    const docroot = join(work, `${tag}-root`);
    mkdirSync(join(docroot, 'images'), { recursive: true });
    symlinkSync(iso, join(docroot, 'images', `${info.id}.iso`));
    copyFileSync(scriptPath, join(docroot, 'boot.ipxe'));
    writeFileSync(wrapper, `#!/bin/sh\nexec busybox httpd -i -h ${docroot}\n`);
  } else {
    writeFileSync(wrapper, `#!/bin/sh\nexec node --import ${tsx} ${join(ROOT, 'test/support/stdio-image-http.ts')} ${info.id} ${iso} ${scriptPath} ${logPath} 2>>${logPath}.stderr\n`);
  }
  chmodSync(wrapper, 0o755);
  const args = [
    '-accel', 'tcg', '-cpu', 'max', '-m', '512', '-smp', '1', '-display', 'none', '-vga', 'none', '-monitor', 'none',
    '-serial', `file:${serialPath}`, '-no-reboot',
    '-netdev', `user,id=n0,restrict=on,net=198.18.9.0/24,host=198.18.9.2,dhcpstart=198.18.9.15,dns=198.18.9.3,bootfile=http://198.18.9.100/boot.ipxe,guestfwd=tcp:198.18.9.100:80-cmd:${wrapper}`,
    '-device', 'virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,bootindex=1',
  ];
  if (firmware === 'bios') args.unshift('-machine', 'pc,graphics=off', '-boot', 'n');
  else {
    const vars = join(work, 'OVMF_VARS.fd');
    copyFileSync(OVMF_VARS, vars);
    args.unshift('-machine', 'q35,graphics=off', '-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`);
  }
  const qemu = spawn('qemu-system-x86_64', args, { stdio: 'ignore' });
  return new Promise((resolveBoot) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const serial = readFileSync(serialPath, 'latin1').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
      if (until.test(serial) || qemu.exitCode !== null || Date.now() - started > 240_000) {
        clearInterval(timer);
        qemu.kill('SIGKILL');
        resolveBoot({ serial, requests: readFileSync(logPath, 'utf8').split('\n').filter((l) => l) });
      }
    }, 500);
  });
}

describe('boot plans in real firmware (QEMU user networking, restrict=on)', () => {
  beforeAll(() => {
    for (const f of [OVMF_CODE, OVMF_VARS]) if (!existsSync(f)) throw new Error(`${f} missing: install the Debian package "ovmf"`);
  });

  for (const firmware of ['bios', 'uefi'] as const) {
    it(`boots the archiso HTTP plan on ${firmware === 'bios' ? 'SeaBIOS' : 'OVMF'} with iPXE: the kernel sees the rendered command line and the initramfs fetches the marker`, async () => {
      const { serial, requests } = await bootWith(firmware);
      const tail = serial.slice(-2500);
      expect(serial, tail).toContain(`BOOTCAST-E2E-OK http ${marker}`);
      expect(serial, tail).toMatch(/BOOTCAST-E2E-INIT .*initrd=initramfs-linux\.img console=ttyS0 archisobasedir=arch ip=dhcp BOOTIF=01-52-54-00-12-34-56 archiso_http_srv=http:\/\/198\.18\.9\.100\/images\/archiso-test\//);
      if (firmware === 'uefi') expect(serial).toContain('EFI stub: Loaded initrd from command line option');
      expect(requests.map((r) => r.split(' ').slice(0, 3).join(' '))).toEqual([
        'GET /boot.ipxe 200',
        'GET /images/archiso-test/arch/boot/x86_64/vmlinuz-linux 200',
        'GET /images/archiso-test/arch/boot/x86_64/initramfs-linux.img 200',
        'GET /images/archiso-test/arch/x86_64/marker.txt 200',
      ]);
    });
  }

  it('sanboots the whole image over HTTP on SeaBIOS: iPXE hooks it as a disk and the image\'s own isolinux boots its kernel from it', async () => {
    const { serial } = await bootWith('bios', 'sanboot', /BOOTCAST-E2E-INIT/);
    const tail = serial.slice(-2500);
    expect(serial, tail).toContain('Booting from SAN device 0x80');
    expect(serial, tail).toContain('ISOLINUX');
    // The command line comes from the image's own syslinux.cfg: proof the whole ISO was booted as a disk.
    expect(serial, tail).toMatch(/BOOTCAST-E2E-INIT BOOT_IMAGE=\/arch\/boot\/x86_64\/vmlinuz-linux archisobasedir=arch archisolabel=BOOTCAST_E2E console=ttyS0/);
  });
});
