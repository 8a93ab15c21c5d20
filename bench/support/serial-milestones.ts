import { existsSync, readFileSync } from 'node:fs';

/**
 * When each firmware/boot-loader milestone first appeared on a guest's serial console, in
 * seconds from a start time: a cheap timeline of where a network boot spends its time, read
 * by polling the serial log file (QEMU `-serial file:`) every `intervalMs`.
 */
export const BOOT_MILESTONES = {
  /** EDK2 (OVMF) starts its own PXE: DHCP with offer collection, then TFTP of the NBP. */
  edk2Pxe: 'Start PXE over IPv4',
  /** iPXE runs: the option ROM (BIOS) or ipxe.efi fetched by TFTP (UEFI). */
  ipxe: 'iPXE initialising',
  /** iPXE's autoboot DHCP; with Debian's 2019 iPXE it also waits here for an IPv6 router. */
  ipxeDhcp: 'Configuring (net',
  /** iPXE's first download from the boot server (the banner also says http://ipxe.org, hence the address). */
  http: 'http://198.18.0.1/',
  /** The kernel has been downloaded and started. */
  linux: 'Linux version',
} as const;

export class SerialMilestones {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly path: string,
    private readonly texts: readonly string[],
    private readonly t0: number,
  ) {}

  /** Reads the log once; records the first sighting of each text. Returns the log. */
  poll(now = Date.now()): string {
    const serial = existsSync(this.path) ? readFileSync(this.path, 'latin1') : '';
    for (const text of this.texts) if (!this.seen.has(text) && serial.includes(text)) this.seen.set(text, (now - this.t0) / 1000);
    return serial;
  }

  /** Polls until `done()` says stop (checked between polls). */
  async watch(done: () => boolean, intervalMs = 100): Promise<void> {
    while (!done()) {
      this.poll();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    this.poll();
  }

  at(text: string): number | undefined {
    return this.seen.get(text);
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.seen);
  }
}
