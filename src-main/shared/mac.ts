/**
 * MAC addresses: the one spelling Bootcast uses everywhere (lowercase, colon-separated) and
 * the readers for every other spelling clients and tools use.
 */
const CANONICAL = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * The canonical spelling of a 6-byte MAC written as 52:54:00:AB:cd:ef, 52-54-00-ab-cd-ef,
 * 5254.00ab.cdef or 525400abcdef; undefined for anything else (including non-strings).
 */
export function normalizeMac(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  // Fast path: the spelling the servers already use (every event passes here).
  if (raw.length === 17 && CANONICAL.test(raw)) return raw;
  const trimmed = raw.trim().toLowerCase();
  if (!/^[0-9a-f:.\- ]+$/.test(trimmed)) return undefined;
  const hex = trimmed.replace(/[^0-9a-f]/g, '');
  return hex.length === 12 ? hex.match(/../g)!.join(':') : undefined;
}

/** Hardware address bytes (DHCP `chaddr` and `hlen`, up to 16) as colon-separated hex. */
export function macFromBytes(bytes: Uint8Array, length: number): string {
  const n = Math.min(length, 16, bytes.length);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(bytes[i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** Query parameter names that carry the client MAC (ours: mac; pxelinux/kernel style: BOOTIF). */
const MAC_PARAMS = ['mac', 'MAC', 'BOOTIF', 'bootif'];

/**
 * The client's MAC from an iPXE request's query, in any usual spelling: colons
 * (${net0/mac}), hyphens (${net0/mac:hexhyp}), bare hex (${net0/mac:hexraw}), and BOOTIF's
 * "01-" hardware-type prefix (pxelinux's IPAPPEND 2 format).
 */
export function macFromQuery(get: (key: string) => string | null | undefined): string | undefined {
  for (const key of MAC_PARAMS) {
    const raw = get(key);
    if (!raw) continue;
    const hex = raw.toLowerCase().replace(/[^0-9a-f]/g, '');
    const mac = normalizeMac(hex.length === 14 && hex.startsWith('01') ? hex.slice(2) : hex);
    if (mac) return mac;
  }
  return undefined;
}
