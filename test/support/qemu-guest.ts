import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { NetLab } from './netns.ts';

/**
 * A QEMU guest that network-boots from a tap on a bridge inside a test namespace, with its serial
 * console in a file. Two firmware paths, as real machines have them:
 *  - bios: SeaBIOS with the iPXE option ROM from ipxe-qemu (iPXE itself does DHCP, user class "iPXE");
 *  - uefi: OVMF with EDK2's own PXE over VirtioNetDxe (romfile= empty, else QEMU loads iPXE's EFI ROM
 *    and EDK2's PXE is never used); EDK2 asks for a loader by TFTP.
 *  - uefi with `secureBoot`: OVMF's Secure Boot build (SMM, secure pflash) with Microsoft's keys
 *    enrolled (OVMF_VARS_4M.ms.fd): only Microsoft-signed loaders such as a distribution's shim run.
 * KVM only where the CPU has vmx/svm (these machines have /dev/kvm but no VT-x, so TCG).
 */
export interface GuestOptions {
  lab: NetLab;
  ns: string;
  bridge: string;
  tap: string;
  firmware: 'bios' | 'uefi';
  mac: string;
  workDir: string;
  memMiB?: number;
  /** uefi only: Secure Boot on. */
  secureBoot?: boolean;
  /**
   * uefi only: no IPv6 network boot (OVMF's fw_cfg knob). After a refused loader OVMF tries PXE
   * over IPv6 next and waits about a minute for a DHCPv6 answer nobody sends; without it the
   * firmware moves on to HTTP boot over IPv4 (a DHCPv4 request) at once.
   */
  noIpv6Boot?: boolean;
  /** A VGA card: images whose command line sets a VESA mode (d-i's vga=788) wait 30 s at a prompt without one. */
  vga?: 'none' | 'std';
}

export interface BootResult {
  ok: boolean;
  /** The matching serial line. */
  line?: string;
  seconds: number;
  serial: string;
}

export function kvmUsable(): boolean {
  try {
    return existsSync('/dev/kvm') && /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

export class QemuGuest {
  readonly serialPath: string;
  private child?: ChildProcess;
  private startedAt = 0;

  constructor(private readonly opts: GuestOptions) {
    this.serialPath = join(opts.workDir, `${opts.tap}.serial.log`);
  }

  start(): void {
    const { lab, ns, bridge, tap, firmware, mac, workDir } = this.opts;
    lab.addTap(ns, tap, bridge);
    const kvm = kvmUsable();
    const args = [
      '-machine', 'q35,graphics=off', '-accel', kvm ? 'kvm' : 'tcg', '-cpu', kvm ? 'host' : 'max',
      '-m', String(this.opts.memMiB ?? 512), '-smp', '1', '-no-reboot', '-display', 'none', '-vga', this.opts.vga ?? 'none',
      '-serial', `file:${this.serialPath}`, '-monitor', 'none',
      '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`,
    ];
    if (firmware === 'bios') {
      args.push('-device', `e1000,netdev=n0,mac=${mac},romfile=/usr/lib/ipxe/qemu/pxe-e1000.rom,bootindex=1`, '-boot', 'n');
    } else {
      const vars = join(workDir, `${tap}.vars.fd`);
      const sb = this.opts.secureBoot === true;
      // fresh NVRAM: no boot order left from a previous run
      copyFileSync(sb ? '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' : '/usr/share/OVMF/OVMF_VARS_4M.fd', vars);
      if (sb) args.splice(1, 1, 'q35,graphics=off,smm=on');
      args.push(
        '-device', `virtio-net-pci,netdev=n0,mac=${mac},romfile=,bootindex=1`,
        ...(sb ? ['-global', 'driver=cfi.pflash01,property=secure,value=on'] : []),
        ...(this.opts.noIpv6Boot ? ['-fw_cfg', 'name=opt/org.tianocore/IPv6Support,string=no'] : []),
        '-drive', `if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/${sb ? 'OVMF_CODE_4M.secboot.fd' : 'OVMF_CODE_4M.fd'}`,
        '-drive', `if=pflash,format=raw,file=${vars}`,
      );
    }
    this.startedAt = Date.now();
    this.child = lab.spawn(ns, 'qemu-system-x86_64', args);
  }

  /** Polls the serial log until a line matches `re`, QEMU exits, or the timeout passes. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<BootResult> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.child?.once('exit', () => (exited = true));
    let lastLength = -1;
    for (;;) {
      const serial = existsSync(this.serialPath) ? readFileSync(this.serialPath, 'latin1') : '';
      // A line still being written is not matched: QEMU flushes the serial file mid-line, and a
      // marker line read half written matches `re` but lacks what the caller checks next. The
      // last, unterminated line counts once it stopped growing or has moved well past the match:
      // full-screen programs (d-i's dialogs, memtest86+) never end theirs.
      const lines = serial.split(/\r?\n/);
      const last = lines.pop() ?? '';
      const m = re.exec(last);
      if (m && (exited || serial.length === lastLength || last.length - (m.index + m[0].length) >= 256)) lines.push(last);
      lastLength = serial.length;
      const line = lines.find((l) => re.test(l));
      const seconds = (Date.now() - this.startedAt) / 1000;
      if (line) return { ok: true, line, seconds, serial };
      if (exited || Date.now() > deadline) return { ok: false, seconds, serial };
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  stop(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** The last lines of a serial log, without terminal escapes, for an assertion message. */
export function serialTail(serial: string, lines = 25): string {
  // eslint-disable-next-line no-control-regex
  return serial.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r?\n/).slice(-lines).join('\n');
}
