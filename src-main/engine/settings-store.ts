import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SECURE_BOOT_CLIENT_MODES, type DhcpMode, type PortSettings, type ServerSettings } from '../shared/api.ts';

export const STANDARD_PORTS: PortSettings = { dhcp: 67, proxyDhcp: 4011, tftp: 69, http: 80, nbd: 10809 };

export function defaultSettings(): ServerSettings {
  // proxyDHCP-or-full after probing: `auto` never hands out addresses on a network that has a DHCP server.
  return { interface: null, dhcpMode: 'auto', ports: { ...STANDARD_PORTS }, menuTimeoutSec: 10, secureBootClients: 'auto' };
}

const DHCP_MODES: readonly DhcpMode[] = ['auto', 'proxy', 'full', 'off'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** Checks a settings change; returns the merged settings or throws a message naming the bad field. */
export function mergeSettings(current: ServerSettings, change: Partial<ServerSettings>): ServerSettings {
  const next: ServerSettings = { ...current, ...change, ports: { ...current.ports, ...(change.ports ?? {}) } };
  if (!DHCP_MODES.includes(next.dhcpMode)) throw new Error(`DHCP mode must be one of ${DHCP_MODES.join(', ')}, not '${String(next.dhcpMode)}'`);
  for (const [name, port] of Object.entries(next.ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} port must be a whole number from 1 to 65535, not '${String(port)}'`);
  }
  if (next.range) {
    if (!IPV4.test(next.range.first) || !IPV4.test(next.range.last)) {
      throw new Error(`address range must be two IPv4 addresses (FIRST-LAST), not '${next.range.first}-${next.range.last}'`);
    }
  }
  if (!Number.isInteger(next.menuTimeoutSec) || next.menuTimeoutSec < 0 || next.menuTimeoutSec > 3600) {
    throw new Error(`menu timeout must be 0 to 3600 seconds, not '${String(next.menuTimeoutSec)}'`);
  }
  if (!SECURE_BOOT_CLIENT_MODES.includes(next.secureBootClients)) {
    throw new Error(`Secure Boot clients must be one of ${SECURE_BOOT_CLIENT_MODES.join(', ')}, not '${String(next.secureBootClients)}'`);
  }
  return next;
}

/** settings.json in the data directory; a damaged file falls back to defaults (and is kept aside). */
export class SettingsStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'settings.json');
  }

  async load(): Promise<ServerSettings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return defaultSettings();
    }
    try {
      return mergeSettings(defaultSettings(), JSON.parse(text) as Partial<ServerSettings>);
    } catch {
      await rename(this.file, `${this.file}.damaged`).catch(() => undefined);
      return defaultSettings();
    }
  }

  async save(settings: ServerSettings): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, JSON.stringify(settings, null, 2));
    await rename(tmp, this.file); // atomic: a crash never leaves half a settings file
  }
}
