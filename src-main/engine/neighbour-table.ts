import { normalizeMac } from '../shared/timeline-event.ts';

/** One resolved entry of the kernel's IPv4 neighbour (ARP) table. */
export interface NeighbourEntry {
  ip: string;
  mac: string;
  device: string;
}

// Flags column of /proc/net/arp (include/uapi/linux/if_arp.h): ATF_COM = entry complete.
const ATF_COM = 0x02;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * Parses Linux's /proc/net/arp:
 *   IP address       HW type     Flags       HW address            Mask     Device
 *   198.18.0.10      0x1         0x2         52:54:00:12:34:56     *        br0
 * Keeps only complete Ethernet-style entries (incomplete ones show 00:00:00:00:00:00).
 * Pure; malformed lines are skipped, never thrown on.
 */
export function parseProcNetArp(text: string): NeighbourEntry[] {
  const out: NeighbourEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || !IPV4_RE.test(f[0]!)) continue;
    const flags = Number.parseInt(f[2]!, 16);
    if (!Number.isFinite(flags) || (flags & ATF_COM) === 0) continue;
    const mac = normalizeMac(f[3]);
    if (!mac || mac === '00:00:00:00:00:00') continue;
    out.push({ ip: f[0]!, mac, device: f[5]! });
  }
  return out;
}
