// Whether this process can open the ports the current settings need, and what the technician
// will be asked before Start. One place decides it for the desktop app and `bootcast serve`.
import { readFileSync } from 'node:fs';
import type { ServerSettings } from '../shared/api.ts';

export interface PrivilegeFacts {
  platform: NodeJS.Platform;
  /** undefined on Windows. */
  uid: number | undefined;
  /** Linux: net.ipv4.ip_unprivileged_port_start (1024 unless lowered). */
  unprivilegedPortStart: number;
}

export function currentPrivilegeFacts(): PrivilegeFacts {
  let start = 1024;
  if (process.platform === 'linux') {
    try {
      start = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim()) || 1024;
    } catch {
      // older kernels: the classic 1024
    }
  }
  return { platform: process.platform, uid: process.getuid?.(), unprivilegedPortStart: start };
}

/** The listening ports the settings use, each with its protocol, lowest first. */
export function portsInUse(s: ServerSettings): { proto: 'UDP' | 'TCP'; port: number }[] {
  const list: { proto: 'UDP' | 'TCP'; port: number }[] = [];
  if (s.dhcpMode === 'full' || s.dhcpMode === 'auto') list.push({ proto: 'UDP', port: s.ports.dhcp });
  if (s.dhcpMode !== 'off') list.push({ proto: 'UDP', port: s.ports.proxyDhcp });
  list.push({ proto: 'UDP', port: s.ports.tftp }, { proto: 'TCP', port: s.ports.http }, { proto: 'TCP', port: s.ports.nbd });
  return list.sort((a, b) => a.port - b.port);
}

/** The ports this process may not open by itself (empty: it can start unaided). */
export function privilegedPorts(s: ServerSettings, f: PrivilegeFacts): { proto: 'UDP' | 'TCP'; port: number }[] {
  if (f.platform === 'win32' || f.uid === 0) return [];
  // macOS lets anyone bind a wildcard port below 1024 since 10.14, but Bootcast binds the interface's address.
  const limit = f.platform === 'linux' ? f.unprivilegedPortStart : 1024;
  return portsInUse(s).filter((p) => p.port < limit);
}

export function describePorts(ports: { proto: string; port: number }[]): string {
  const by = (proto: string) => ports.filter((p) => p.proto === proto).map((p) => p.port);
  const groups: [string, number[]][] = [['UDP', by('UDP')], ['TCP', by('TCP')]];
  return groups.filter(([, l]) => l.length).map(([p, l]) => `${p} ${l.join(', ')}`).join(' and ');
}

/** What the desktop says next to Start: null when nothing will be asked. */
export function desktopStartNotice(s: ServerSettings, f: PrivilegeFacts): string | null {
  const ports = privilegedPorts(s, f);
  if (ports.length === 0) return null;
  const what = f.platform === 'darwin' ? 'your administrator password' : 'your password';
  return `Bootcast will ask for ${what} once to open network ports (${describePorts(ports)}); the window itself keeps running as you.`;
}

/** What `bootcast serve` says before it fails on a port it may not open. */
export function cliStartNotice(s: ServerSettings, f: PrivilegeFacts): string | null {
  const ports = privilegedPorts(s, f);
  if (ports.length === 0) return null;
  return `ports ${describePorts(ports)} need administrator rights: run \`sudo bootcast serve …\`, or choose ports above ${f.platform === 'linux' ? f.unprivilegedPortStart - 1 : 1023} with the --*-port flags (only for clients you configure yourself: PXE firmware uses 67, 69 and 4011)`;
}
