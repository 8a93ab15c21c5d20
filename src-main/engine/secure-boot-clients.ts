import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecureBootClients } from '../shared/api.ts';
import { normalizeMac } from '../shared/mac.ts';

/**
 * Which chain a UEFI x86-64 machine gets: iPXE (unsigned, fast, every image) or the signed
 * chain (shim → GRUB → signed kernel) that machines with Secure Boot on accept. The firmware
 * never tells DHCP whether Secure Boot is on, so in `auto` the answer is learned: a machine
 * that downloaded the iPXE loader and then asks DHCP again as firmware, without iPXE ever having
 * run (no DHCP from iPXE, no boot script), had the loader refused. Such machines, and those the
 * technician marks, are remembered by MAC in the data directory.
 *
 * The DHCP boot-file decision asks `choose()`; the engine reports what it observes with
 * `loaderSent()` and `ipxeRan()`.
 */

export type ChainChoice =
  | { chain: 'ipxe'; reason: string }
  | { chain: 'signed'; reason: string }
  /** Secure Boot machine, but nothing it can boot this way (no image with a signed chain, or HTTP boot). */
  | { chain: 'none'; reason: string };

/** Machines whose loader verdict is awaited at once: far more than one network boots together. */
const MAX_PENDING = 4096;

interface Remembered {
  secureBoot: boolean;
  /** Why: "firmware refused ipxe.efi" or "set by the technician". */
  why: string;
  since: string;
}

export interface ChooseInput {
  mac: string;
  /** The DHCP request comes from iPXE (which already runs: no chain to choose). */
  ipxe: boolean;
  /** x86-64 UEFI PXE (option 93 = 7 or 9) over TFTP: the only clients a signed shimx64 chain fits. */
  uefiX64Pxe: boolean;
  /** x64 UEFI HTTP boot (option 93 = 16). */
  uefiX64Http: boolean;
  /** Some image in the library has a usable signed chain. */
  signedChainAvailable: boolean;
  /** When none has: why, per image ("foo.iso: the kernel … is not signed"). */
  noChainReason?: string;
}

export class SecureBootClientChooser {
  private readonly remembered = new Map<string, Remembered>();
  /** MAC → the iPXE loader it downloaded, while iPXE has not been heard from since. */
  private readonly pendingLoader = new Map<string, string>();
  private readonly file: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(dataDir: string, private mode: SecureBootClients = 'auto', private readonly onError: (err: Error) => void = () => undefined) {
    this.file = join(dataDir, 'secure-boot-clients.json');
  }

  async load(): Promise<void> {
    try {
      const stored = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, Remembered>;
      for (const [raw, r] of Object.entries(stored ?? {})) {
        const mac = normalizeMac(raw);
        if (mac && typeof r?.secureBoot === 'boolean') this.remembered.set(mac, { secureBoot: r.secureBoot, why: String(r.why ?? ''), since: String(r.since ?? '') });
      }
    } catch {
      // no file yet, or a damaged one: start with no machine remembered
    }
  }

  setMode(mode: SecureBootClients): void {
    this.mode = mode;
  }

  /** Whether the machine is known to have Secure Boot on (undefined: not known). */
  isSecureBoot(mac: string): boolean | undefined {
    return this.remembered.get(mac)?.secureBoot;
  }

  /** The technician's flip in the client's row. */
  set(mac: string, secureBoot: boolean, why = 'set by the technician'): void {
    this.remembered.set(mac, { secureBoot, why, since: new Date().toISOString() });
    this.pendingLoader.delete(mac);
    this.save();
  }

  /** The firmware fully downloaded an iPXE loader (TFTP or HTTP boot). */
  loaderSent(mac: string, loader: string): void {
    this.pendingLoader.delete(mac);
    this.pendingLoader.set(mac, loader);
    if (this.pendingLoader.size > MAX_PENDING) this.pendingLoader.delete(this.pendingLoader.keys().next().value!);
  }

  /** iPXE ran on this machine (it did DHCP or fetched the boot script): its firmware accepted the loader. */
  ipxeRan(mac: string): void {
    this.pendingLoader.delete(mac);
  }

  choose(c: ChooseInput): ChainChoice {
    if (c.ipxe) {
      this.ipxeRan(c.mac);
      return { chain: 'ipxe', reason: 'iPXE is running' };
    }
    if (!c.uefiX64Pxe && !c.uefiX64Http) return { chain: 'ipxe', reason: 'not an x86-64 UEFI machine' };
    if (this.mode === 'never') return { chain: 'ipxe', reason: 'Secure Boot clients: never (iPXE for every machine)' };

    let secure = false;
    let reason = '';
    const known = this.remembered.get(c.mac);
    const refused = this.pendingLoader.get(c.mac);
    if (this.mode === 'always') {
      secure = true;
      reason = 'Secure Boot clients: always (every UEFI machine gets the signed chain)';
    } else if (known) {
      secure = known.secureBoot;
      reason = `${known.secureBoot ? 'Secure Boot machine' : 'marked as without Secure Boot'} (${known.why}, since ${known.since})`;
    } else if (refused) {
      this.pendingLoader.delete(c.mac);
      this.set(c.mac, true, `its firmware downloaded ${refused} and asked again without running it: Secure Boot refused the unsigned loader`);
      secure = true;
      reason = `the firmware refused ${refused} (downloaded, never ran): Secure Boot is on, signed chain from now on`;
    } else {
      reason = 'Secure Boot clients: auto (iPXE first; a machine whose firmware refuses it gets the signed chain next time)';
    }

    if (!secure) return { chain: 'ipxe', reason };
    if (!c.signedChainAvailable) {
      return { chain: 'none', reason: `${reason}; but no image can boot with Secure Boot on${c.noChainReason ? ` (${c.noChainReason})` : ''}` };
    }
    if (!c.uefiX64Pxe) return { chain: 'none', reason: `${reason}; the signed chain is served over PXE/TFTP, not to UEFI HTTP boot` };
    return { chain: 'signed', reason };
  }

  /** Writes are queued so a burst of changes never interleaves two writers of the file. */
  private save(): void {
    const data: Record<string, Remembered> = Object.fromEntries(this.remembered);
    this.saving = this.saving
      .then(async () => {
        await mkdir(join(this.file, '..'), { recursive: true });
        await writeFile(`${this.file}.tmp`, JSON.stringify(data, null, 2));
        await rename(`${this.file}.tmp`, this.file);
      })
      .catch((err: Error) => this.onError(err));
  }

  async flush(): Promise<void> {
    await this.saving;
  }
}
