import { DhcpCodecError } from './dhcp-codec-error.ts';
import { isIpv4, readIpv4, writeIpv4 } from './ipv4-address.ts';
import { decodeSubOptions, encodeSubOptions, type SubOptions } from './sub-options.ts';

/**
 * Option 43 as the PXE specification 2.1 (§2.4.1.3, table 2-1) defines it for PXEClient
 * exchanges: encapsulated sub-options terminated by 255.
 */
export const PxeSubOption = {
  DISCOVERY_CONTROL: 6,
  DISCOVERY_MCAST_ADDR: 7,
  BOOT_SERVERS: 8,
  BOOT_MENU: 9,
  MENU_PROMPT: 10,
  BOOT_ITEM: 71,
} as const;

/** PXE_DISCOVERY_CONTROL bits (PXE 2.1 table 2-1). */
export const DiscoveryControl = {
  DISABLE_BROADCAST: 1,
  DISABLE_MULTICAST: 2,
  ONLY_LISTED_SERVERS: 4,
  /** "If set, and a boot file name is present in the offer, download it: no prompt, menu or discovery." */
  USE_BOOTFILE: 8,
} as const;

export interface PxeBootServerList {
  type: number;
  addresses: string[];
}

export interface PxeMenuItem {
  type: number;
  description: string;
}

export interface PxeVendorOptions {
  discoveryControl?: number;
  multicastAddress?: string;
  bootServers?: PxeBootServerList[];
  bootMenu?: PxeMenuItem[];
  /** Seconds to show the prompt (0 = boot the first item, 255 = wait for a key). */
  menuPrompt?: { timeout: number; prompt: string };
  bootItem?: { type: number; layer: number };
  /** Sub-options not listed above, kept so they can be logged or echoed. */
  other: SubOptions;
}

const FIELD = 'option 43';

function fail(what: string, offset = 0): never {
  throw new DhcpCodecError(`${FIELD} (PXE vendor options): ${what}`, offset, FIELD);
}

function text(d: Uint8Array): string {
  let s = '';
  for (const b of d) s += String.fromCharCode(b);
  return s;
}

export function decodePxeVendorOptions(data: Uint8Array): PxeVendorOptions {
  const subs = decodeSubOptions(data, FIELD, true);
  const out: PxeVendorOptions = { other: new Map() };
  for (const [code, d] of subs) {
    switch (code) {
      case PxeSubOption.DISCOVERY_CONTROL:
        if (d.length !== 1) fail(`discovery control (6) must be 1 byte, got ${d.length}`);
        out.discoveryControl = d[0]!;
        break;
      case PxeSubOption.DISCOVERY_MCAST_ADDR:
        if (d.length !== 4) fail(`discovery multicast address (7) must be 4 bytes, got ${d.length}`);
        out.multicastAddress = readIpv4(d, 0);
        break;
      case PxeSubOption.BOOT_SERVERS: {
        const lists: PxeBootServerList[] = [];
        let i = 0;
        while (i < d.length) {
          if (i + 3 > d.length) fail(`boot servers (8): entry at offset ${i} is truncated (needs type and count)`, i);
          const type = (d[i]! << 8) | d[i + 1]!;
          const count = d[i + 2]!;
          if (i + 3 + 4 * count > d.length) fail(`boot servers (8): entry at offset ${i} lists ${count} addresses but only ${d.length - i - 3} bytes remain`, i);
          const addresses: string[] = [];
          for (let k = 0; k < count; k++) addresses.push(readIpv4(d, i + 3 + 4 * k));
          lists.push({ type, addresses });
          i += 3 + 4 * count;
        }
        out.bootServers = lists;
        break;
      }
      case PxeSubOption.BOOT_MENU: {
        const items: PxeMenuItem[] = [];
        let i = 0;
        while (i < d.length) {
          if (i + 3 > d.length) fail(`boot menu (9): item at offset ${i} is truncated (needs type and length)`, i);
          const type = (d[i]! << 8) | d[i + 1]!;
          const n = d[i + 2]!;
          if (i + 3 + n > d.length) fail(`boot menu (9): item at offset ${i} claims a ${n}-byte description but only ${d.length - i - 3} remain`, i);
          items.push({ type, description: text(d.subarray(i + 3, i + 3 + n)) });
          i += 3 + n;
        }
        out.bootMenu = items;
        break;
      }
      case PxeSubOption.MENU_PROMPT:
        if (d.length < 1) fail('menu prompt (10) must hold at least the timeout byte');
        out.menuPrompt = { timeout: d[0]!, prompt: text(d.subarray(1)) };
        break;
      case PxeSubOption.BOOT_ITEM:
        if (d.length !== 4) fail(`boot item (71) must be 4 bytes, got ${d.length}`);
        out.bootItem = { type: (d[0]! << 8) | d[1]!, layer: (d[2]! << 8) | d[3]! };
        break;
      default:
        out.other.set(code, d);
    }
  }
  return out;
}

function latin1Bytes(s: string, what: string): number[] {
  return [...s].map((c) => {
    const n = c.charCodeAt(0);
    if (n > 255) fail(`${what}: character U+${n.toString(16)} is not a byte`);
    return n;
  });
}

export function encodePxeVendorOptions(v: PxeVendorOptions): Uint8Array {
  const subs: [number, Uint8Array][] = [];
  if (v.discoveryControl !== undefined) {
    if (!Number.isInteger(v.discoveryControl) || v.discoveryControl < 0 || v.discoveryControl > 255) fail(`discovery control ${v.discoveryControl} is not a byte`);
    subs.push([PxeSubOption.DISCOVERY_CONTROL, Uint8Array.of(v.discoveryControl)]);
  }
  if (v.multicastAddress !== undefined) {
    const b = new Uint8Array(4);
    if (!isIpv4(v.multicastAddress)) fail(`"${v.multicastAddress}" is not an IPv4 address`);
    writeIpv4(b, 0, v.multicastAddress);
    subs.push([PxeSubOption.DISCOVERY_MCAST_ADDR, b]);
  }
  if (v.bootServers?.length) {
    const bytes: number[] = [];
    for (const s of v.bootServers) {
      if (s.addresses.length > 255) fail('a boot server list holds at most 255 addresses');
      bytes.push(s.type >> 8, s.type & 255, s.addresses.length);
      for (const a of s.addresses) {
        if (!isIpv4(a)) fail(`boot server "${a}" is not an IPv4 address`);
        bytes.push(...a.split('.').map(Number));
      }
    }
    subs.push([PxeSubOption.BOOT_SERVERS, Uint8Array.from(bytes)]);
  }
  if (v.bootMenu?.length) {
    const bytes: number[] = [];
    for (const item of v.bootMenu) {
      const d = latin1Bytes(item.description, 'boot menu');
      if (d.length > 255) fail('a boot menu description holds at most 255 bytes');
      bytes.push(item.type >> 8, item.type & 255, d.length, ...d);
    }
    subs.push([PxeSubOption.BOOT_MENU, Uint8Array.from(bytes)]);
  }
  if (v.menuPrompt) {
    if (v.menuPrompt.timeout < 0 || v.menuPrompt.timeout > 255) fail(`menu prompt timeout ${v.menuPrompt.timeout} is not 0..255`);
    subs.push([PxeSubOption.MENU_PROMPT, Uint8Array.from([v.menuPrompt.timeout, ...latin1Bytes(v.menuPrompt.prompt, 'menu prompt')])]);
  }
  if (v.bootItem) {
    subs.push([PxeSubOption.BOOT_ITEM, Uint8Array.of(v.bootItem.type >> 8, v.bootItem.type & 255, v.bootItem.layer >> 8, v.bootItem.layer & 255)]);
  }
  for (const entry of v.other) subs.push(entry);
  return encodeSubOptions(subs, FIELD, true);
}
