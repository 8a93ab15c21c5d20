import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inSubnet, parseIpv4 } from '../protocol/dhcp/ipv4-address.ts';
import { SECURE_BOOT_CLIENT_MODES, type DhcpMode, type NetInterfaceInfo, type PortSettings, type ServerSettings } from '../shared/api.ts';
import { checkLimit } from '../shared/server-limits.ts';

export const STANDARD_PORTS: PortSettings = { dhcp: 67, proxyDhcp: 4011, tftp: 69, http: 80, nbd: 10809 };

export function defaultSettings(): ServerSettings {
  // proxyDHCP-or-full after probing: `auto` never hands out addresses on a network that has a DHCP server.
  return { interface: null, dhcpMode: 'auto', ports: { ...STANDARD_PORTS }, menuTimeoutSec: 10, secureBootClients: 'auto', windowsSetupShare: true };
}

const DHCP_MODES: readonly DhcpMode[] = ['auto', 'proxy', 'full', 'off'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const SETTING_KEYS = new Set<string>(['interface', 'dhcpMode', 'range', 'ports', 'menuTimeoutSec', 'limits', 'secureBootClients', 'windowsSetupShare']);

/** What a settings change is checked against beyond its own shape: the machine's interfaces. */
export interface SettingsContext {
  interfaces?: readonly NetInterfaceInfo[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a settings change; returns the merged settings or throws a message naming the bad field.
 * Only known keys are accepted; with `context.interfaces`, the interface must exist and a range
 * must lie inside its subnet without covering its own address.
 */
export function mergeSettings(current: ServerSettings, change: Partial<ServerSettings>, context: SettingsContext = {}): ServerSettings {
  if (!isRecord(change)) throw new Error('settings must be an object of fields');
  for (const key of Object.keys(change)) {
    if (!SETTING_KEYS.has(key)) throw new Error(`'${key}' is not a setting (settings: ${[...SETTING_KEYS].join(', ')})`);
  }
  if (change.ports !== undefined && !isRecord(change.ports)) throw new Error('ports must be an object such as {"http": 8080}');
  for (const key of Object.keys(change.ports ?? {})) {
    if (!(key in STANDARD_PORTS)) throw new Error(`ports.${key} is not a port setting (ports: ${Object.keys(STANDARD_PORTS).join(', ')})`);
  }
  if (change.limits !== undefined && !isRecord(change.limits)) throw new Error('limits must be an object such as {"httpMaxConnections": 256}');
  for (const [key, value] of Object.entries(change.limits ?? {})) {
    const problem = checkLimit(key, value);
    if (problem) throw new Error(problem);
  }
  const next: ServerSettings = { ...current, ...change, ports: { ...current.ports, ...(change.ports ?? {}) } };
  if (change.limits !== undefined) next.limits = { ...change.limits };
  if (next.interface !== null && (typeof next.interface !== 'string' || next.interface === '')) throw new Error(`interface must be an interface name or null, not '${String(next.interface)}'`);
  if (!DHCP_MODES.includes(next.dhcpMode)) throw new Error(`dhcpMode must be one of ${DHCP_MODES.join(', ')}, not '${String(next.dhcpMode)}'`);
  for (const [name, port] of Object.entries(next.ports)) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`ports.${name} must be a whole number from 1 to 65535, not '${String(port)}'`);
  }
  if (next.range !== undefined) {
    if (!isRecord(next.range) || typeof next.range.first !== 'string' || typeof next.range.last !== 'string' || !IPV4.test(next.range.first) || !IPV4.test(next.range.last)) {
      throw new Error(`range must be two IPv4 addresses (FIRST-LAST), not '${JSON.stringify(next.range)}'`);
    }
    if (parseIpv4(next.range.first) > parseIpv4(next.range.last)) throw new Error(`range ${next.range.first}-${next.range.last} ends before it starts`);
  }
  if (!Number.isInteger(next.menuTimeoutSec) || next.menuTimeoutSec < 0 || next.menuTimeoutSec > 3600) {
    throw new Error(`menuTimeoutSec must be 0 to 3600 seconds, not '${String(next.menuTimeoutSec)}'`);
  }
  if (!SECURE_BOOT_CLIENT_MODES.includes(next.secureBootClients)) {
    throw new Error(`Secure Boot clients must be one of ${SECURE_BOOT_CLIENT_MODES.join(', ')}, not '${String(next.secureBootClients)}'`);
  }
  if (next.windowsSetupShare !== undefined && typeof next.windowsSetupShare !== 'boolean') {
    throw new Error(`windowsSetupShare must be true or false, not '${String(next.windowsSetupShare)}'`);
  }
  if (context.interfaces && next.interface !== null) checkAgainstInterface(next, context.interfaces);
  return next;
}

function checkAgainstInterface(next: ServerSettings, interfaces: readonly NetInterfaceInfo[]): void {
  const iface = interfaces.find((i) => i.name === next.interface);
  if (!iface) throw new Error(`interface '${next.interface}' does not exist here (interfaces: ${interfaces.map((i) => i.name).join(', ') || 'none'})`);
  const own = iface.addresses[0];
  if (!next.range || !own) return;
  const { first, last } = next.range;
  if (!inSubnet(first, own.address, own.prefixLength) || !inSubnet(last, own.address, own.prefixLength)) {
    throw new Error(`range ${first}-${last} is not inside ${iface.name}'s subnet ${own.address}/${own.prefixLength}`);
  }
  const ownN = parseIpv4(own.address);
  if (parseIpv4(first) <= ownN && ownN <= parseIpv4(last)) {
    throw new Error(`range ${first}-${last} contains ${iface.name}'s own address ${own.address}: start the range after it`);
  }
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
