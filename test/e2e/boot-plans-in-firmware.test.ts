import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src-main/boot/inspect-image.ts';
import { renderBootScript } from '../../src-main/boot/ipxe-script.ts';
import { IsoImage } from '../../src-main/iso/iso-image.ts';
import type { ImageInfo } from '../../src-main/shared/api.ts';

/**
 * The archiso recipe's HTTP plan, rendered into a boot script, booted by real firmware:
 * SeaBIOS and OVMF, each with the iPXE ROM QEMU ships (ipxe-qemu), the test ISO's kernel and
 * busybox initramfs printing a marker fetched over HTTP with the parameters it was booted with.
 * Networking is QEMU's user mode with restrict=on: the guest reaches only 10.0.2.100:80, which
 * QEMU forwards to a process per connection (test/support/stdio-image-http.ts) reading the ISO
 * through IsoImage. No namespace, no socket on the host, nothing leaves QEMU.
 *
 * What this pins down that unit tests cannot: iPXE (2019 build) parses the script, hands the
 * initrds over on BIOS and, on UEFI, through `initrd --name` + `initrd=` (the EFI stub loads them
 * "from command line option"), and archiso-style parameters reach the kernel command line intact.
 */
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
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bootWith(firmware: 'bios' | 'uefi'): Promise<{ serial: string; requests: string[] }> {
  const tag = firmware;
  const scriptPath = join(work, `${tag}.ipxe`);
  const logPath = join(work, `${tag}.requests.log`);
  const serialPath = join(work, `${tag}.serial.log`);
  writeFileSync(logPath, '');
  writeFileSync(serialPath, '');
  writeFileSync(
    scriptPath,
    renderBootScript({
      baseUrl: 'http://10.0.2.100',
      serverAddress: '10.0.2.100',
      client: { mac: '52:54:00:12:34:56', platform: firmware === 'bios' ? 'pcbios' : 'efi', buildarch: firmware === 'bios' ? 'i386' : 'x86_64' },
      images: [{ id: info.id, name: info.distro ?? info.fileName, plans: info.plans, plan: info.plans.find((p) => p.id === 'http')!, arch: 'x86_64' }],
      menuTimeoutSec: 1,
      nbdPort: 10809,
    }),
  );
  // guestfwd's cmd: takes no arguments with spaces reliably: a wrapper script holds them.
  const wrapper = join(work, `${tag}.fwd.sh`);
  const tsx = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
  writeFileSync(wrapper, `#!/bin/sh\nexec node --import ${tsx} ${join(ROOT, 'test/support/stdio-image-http.ts')} ${info.id} ${iso} ${scriptPath} ${logPath} 2>>${logPath}.stderr\n`);
  chmodSync(wrapper, 0o755);
  const args = [
    '-accel', 'tcg', '-cpu', 'max', '-m', '512', '-smp', '1', '-display', 'none', '-vga', 'none', '-monitor', 'none',
    '-serial', `file:${serialPath}`, '-no-reboot',
    '-netdev', `user,id=n0,restrict=on,bootfile=http://10.0.2.100/boot.ipxe,guestfwd=tcp:10.0.2.100:80-cmd:${wrapper}`,
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
      if (/BOOTCAST-E2E-(OK|FAIL)/.test(serial) || qemu.exitCode !== null || Date.now() - started > 240_000) {
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
      expect(serial, tail).toMatch(/BOOTCAST-E2E-INIT .*initrd=initramfs-linux\.img console=ttyS0 archisobasedir=arch ip=dhcp BOOTIF=01-52-54-00-12-34-56 archiso_http_srv=http:\/\/10\.0\.2\.100\/images\/archiso-test\//);
      if (firmware === 'uefi') expect(serial).toContain('EFI stub: Loaded initrd from command line option');
      expect(requests.map((r) => r.split(' ').slice(0, 3).join(' '))).toEqual([
        'GET /boot.ipxe 200',
        'GET /images/archiso-test/arch/boot/x86_64/vmlinuz-linux 200',
        'GET /images/archiso-test/arch/boot/x86_64/initramfs-linux.img 200',
        'GET /images/archiso-test/arch/x86_64/marker.txt 200',
      ]);
    });
  }
});
