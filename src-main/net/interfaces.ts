import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces, platform } from 'node:os';
import type { NetInterfaceInfo } from '../shared/api.ts';
import { subnetBroadcastOf } from '../protocol/dhcp/ipv4-address.ts';

/**
 * The machine's network interfaces as the UI and the DHCP server need them: IPv4 addresses with
 * prefix, link state, which one carries the default route (the uplink) and which are wireless,
 * plus Bootcast's suggestion of where to serve PXE.
 */

/** Everything read from the system, separated from the logic so tests can feed fixtures. */
export interface InterfaceSnapshot {
  /** `os.networkInterfaces()` output. */
  addresses: NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
  /** Every interface name the kernel knows (Linux: /sys/class/net), including ones without addresses. */
  names: string[];
  /** name → operstate "up"/"down"/"unknown"; absent entries are treated as up when they have an address. */
  operstate: Record<string, string>;
  wireless: string[];
  /** Interfaces holding an IPv4 default route. */
  defaultRoutes: string[];
  /** MACs of interfaces without addresses (from sysfs). */
  macs: Record<string, string>;
}

/** The subnet-directed broadcast of an interface address, e.g. ("198.18.0.1", 24) → "198.18.0.255". */
export function subnetBroadcast(address: string, prefixLength: number): string {
  return subnetBroadcastOf(address, prefixLength);
}

/** Parses /proc/net/route: interfaces with destination 0.0.0.0/0 and the RTF_UP flag. */
export function parseProcNetRoute(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const [iface, destination, , flags, , , , mask] = cols;
    if (destination === '00000000' && mask === '00000000' && (parseInt(flags!, 16) & 1) === 1 && !out.includes(iface!)) out.push(iface!);
  }
  return out;
}

/** Parses `ip -4 route show default` ("default via 192.0.2.1 dev eth0 …"). */
export function parseIpRouteDefault(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^default\b.*?\bdev\s+(\S+)/gm)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/**
 * IPv4 addresses from `ip -j -4 addr show`: name → [{address, prefixLength}]. Needed because
 * Node's os.networkInterfaces() (libuv) leaves out interfaces without carrier, so a laptop whose
 * boot-network cable is not plugged in yet would look as if it had no address at all.
 */
export function parseIpJsonAddresses(text: string): Record<string, { address: string; prefixLength: number }[]> {
  const out: Record<string, { address: string; prefixLength: number }[]> = {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return out;
  }
  if (!Array.isArray(parsed)) return out;
  for (const link of parsed as { ifname?: unknown; addr_info?: unknown }[]) {
    if (typeof link?.ifname !== 'string' || !Array.isArray(link.addr_info)) continue;
    for (const a of link.addr_info as { family?: unknown; local?: unknown; prefixlen?: unknown }[]) {
      if (a?.family !== 'inet' || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
      (out[link.ifname] ??= []).push({ address: a.local, prefixLength: a.prefixlen });
    }
  }
  return out;
}

function prefixToNetmask(prefix: number): string {
  const bits = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((sh) => (bits >>> sh) & 0xff).join('.');
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function readInterfaceSnapshot(): InterfaceSnapshot {
  const addresses = networkInterfaces();
  const snapshot: InterfaceSnapshot = { addresses, names: Object.keys(addresses), operstate: {}, wireless: [], defaultRoutes: [], macs: {} };
  if (platform() !== 'linux') return snapshot;
  let sysNames: string[] = [];
  try {
    sysNames = readdirSync('/sys/class/net');
  } catch {
    /* no sysfs (container without it): addresses only */
  }
  for (const name of sysNames) {
    if (!snapshot.names.includes(name)) snapshot.names.push(name);
    const state = readText(`/sys/class/net/${name}/operstate`)?.trim();
    if (state) snapshot.operstate[name] = state;
    const mac = readText(`/sys/class/net/${name}/address`)?.trim();
    if (mac) snapshot.macs[name] = mac;
    if (existsSync(`/sys/class/net/${name}/wireless`) || existsSync(`/sys/class/net/${name}/phy80211`)) snapshot.wireless.push(name);
  }
  // Interfaces that have an address but no carrier are missing from networkInterfaces().
  const withoutV4 = sysNames.filter((n) => !(addresses[n] ?? []).some((e) => e.family === 'IPv4'));
  if (withoutV4.length > 0) {
    try {
      const found = parseIpJsonAddresses(execFileSync('ip', ['-j', '-4', 'addr', 'show'], { encoding: 'utf8', timeout: 2000 }));
      for (const name of withoutV4) {
        for (const a of found[name] ?? []) {
          (addresses[name] ??= []).push({
            address: a.address, netmask: prefixToNetmask(a.prefixLength), family: 'IPv4', mac: snapshot.macs[name] ?? '00:00:00:00:00:00',
            internal: false, cidr: `${a.address}/${a.prefixLength}`,
          });
        }
      }
    } catch {
      /* no iproute2: such interfaces show without address until their link comes up */
    }
  }
  const route = readText('/proc/net/route');
  if (route !== undefined) snapshot.defaultRoutes = parseProcNetRoute(route);
  else {
    try {
      snapshot.defaultRoutes = parseIpRouteDefault(execFileSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8', timeout: 2000 }));
    } catch {
      /* no iproute2: default route unknown */
    }
  }
  return snapshot;
}

/** Builds the list (without the suggestion) from a snapshot. */
export function interfacesFromSnapshot(s: InterfaceSnapshot): NetInterfaceInfo[] {
  const list: NetInterfaceInfo[] = [];
  for (const name of s.names) {
    const entries = s.addresses[name] ?? [];
    const v4 = entries.filter((e) => e.family === 'IPv4');
    const internal = entries.some((e) => e.internal) || name === 'lo';
    const macFromNode = entries.find((e) => e.mac && e.mac !== '00:00:00:00:00:00')?.mac;
    const mac = macFromNode ?? (s.macs[name] && s.macs[name] !== '00:00:00:00:00:00' ? s.macs[name] : undefined);
    const state = s.operstate[name];
    // "unknown" is what many virtual and some real drivers report while passing traffic.
    const up = state === undefined ? entries.length > 0 : state === 'up' || state === 'unknown';
    const info: NetInterfaceInfo = {
      name,
      addresses: v4.map((e) => ({ address: e.address, prefixLength: prefixOf(e) })),
      up,
      internal,
      defaultRoute: s.defaultRoutes.includes(name),
      wireless: s.wireless.includes(name),
      suggested: false,
      reason: '',
    };
    if (mac) info.mac = mac.toLowerCase();
    list.push(info);
  }
  return list;
}

function prefixOf(e: import('node:os').NetworkInterfaceInfo): number {
  const fromCidr = e.cidr ? Number(e.cidr.split('/')[1]) : NaN;
  if (Number.isInteger(fromCidr)) return fromCidr;
  return e.netmask.split('.').reduce((n, part) => n + (Number(part) >>> 0).toString(2).replace(/0/g, '').length, 0);
}

/** Container/VM plumbing that is rarely where PXE clients live. */
const VIRTUAL = /^(docker\d*|br-[0-9a-f]+|veth|virbr|vmnet|vboxnet|tun|tap|wg|tailscale|zt)/;

/**
 * Picks the interface to serve PXE on and says why; every other interface gets the reason it
 * was not picked. Rules: up, not loopback, has IPv4; wired over wireless; not the default
 * route's uplink when another candidate exists (serving DHCP towards the uplink would fight the
 * network's own server); physical over container/VM bridges.
 */
export function suggestPxeInterface(list: NetInterfaceInfo[]): { name: string | null; reason: string } {
  const rejected = new Map<string, string>();
  const candidates = list.filter((i) => {
    if (i.internal) rejected.set(i.name, 'loopback');
    else if (!i.up) rejected.set(i.name, 'link is down');
    else if (i.addresses.length === 0) rejected.set(i.name, 'no IPv4 address (give it one, e.g. 192.168.50.1/24)');
    else return true;
    return false;
  });
  const score = (i: NetInterfaceInfo) => (i.wireless ? 4 : 0) + (i.defaultRoute ? 2 : 0) + (VIRTUAL.test(i.name) ? 1 : 0);
  const ranked = [...candidates].sort((a, b) => score(a) - score(b) || a.name.localeCompare(b.name));
  const best = ranked[0];
  for (const i of list) {
    i.suggested = i === best;
    if (i !== best) i.reason = rejected.get(i.name) ?? explainLoss(i, best!);
  }
  if (!best) {
    const reason = list.length === 0 ? 'no network interfaces found' : 'no interface is up with an IPv4 address: connect the cable to the PXE network and give the interface an address';
    return { name: null, reason };
  }
  const parts: string[] = [best.wireless ? 'wireless (no wired interface is usable)' : 'wired', `has ${best.addresses[0]!.address}/${best.addresses[0]!.prefixLength}`];
  if (best.defaultRoute) parts.push('carries the default route (the only usable interface: Bootcast will share this network\'s DHCP via proxy mode if one answers)');
  else if (list.some((i) => i.defaultRoute)) parts.push('not the uplink');
  best.reason = parts.join(', ');
  return { name: best.name, reason: best.reason };
}

function explainLoss(i: NetInterfaceInfo, best: NetInterfaceInfo): string {
  if (i.wireless && !best.wireless) return 'wireless: PXE ROMs boot over wire; a wired interface is available';
  if (i.defaultRoute && !best.defaultRoute) return 'carries the default route (the uplink); serving DHCP there would compete with that network\'s server';
  if (VIRTUAL.test(i.name)) return 'container/VM virtual interface';
  return `usable, but ${best.name} was preferred`;
}

/**
 * The interfaces a technician may pick to boot machines on. Loopback reaches no other machine,
 * so it is not offered (the engine still accepts it by name: the CLI and tests serve on it).
 */
export function bootInterfaceChoices(list: readonly NetInterfaceInfo[]): NetInterfaceInfo[] {
  return list.filter((i) => !i.internal);
}

/** The machine's interfaces with Bootcast's suggestion filled in. */
export function listInterfaces(snapshot: InterfaceSnapshot = readInterfaceSnapshot()): NetInterfaceInfo[] {
  const list = interfacesFromSnapshot(snapshot);
  suggestPxeInterface(list);
  return list;
}
