import { DhcpCodecError } from './dhcp-codec-error.ts';
import { isIpv4, readIpv4, writeIpv4 } from './ipv4-address.ts';
import { DhcpOption } from './option-codes.ts';
import type { DhcpOptions } from './options-area.ts';
import { decodeSubOptions, encodeSubOptions, type SubOptions } from './sub-options.ts';

/**
 * Typed views of the options PXE uses. Each codec checks the lengths its RFC prescribes and
 * throws DhcpCodecError naming the option, so `readOption` on a hostile packet fails loudly
 * instead of returning garbage.
 */
export interface OptionCodec<T> {
  readonly code: number;
  readonly name: string;
  decode(data: Uint8Array): T;
  encode(value: T): Uint8Array;
}

export function readOption<T>(options: DhcpOptions, codec: OptionCodec<T>): T | undefined {
  const data = options.get(codec.code);
  return data === undefined ? undefined : codec.decode(data);
}

export function writeOption<T>(options: DhcpOptions, codec: OptionCodec<T>, value: T): void {
  options.set(codec.code, codec.encode(value));
}

function fail(code: number, name: string, what: string): never {
  throw new DhcpCodecError(`option ${code} (${name}): ${what}`, 0, `option ${code}`);
}

function u8(code: number, name: string, min = 0, max = 255): OptionCodec<number> {
  return {
    code, name,
    decode(d) {
      if (d.length !== 1) fail(code, name, `must be 1 byte, got ${d.length}`);
      if (d[0]! < min || d[0]! > max) fail(code, name, `value ${d[0]} is outside ${min}..${max}`);
      return d[0]!;
    },
    encode(v) {
      if (!Number.isInteger(v) || v < min || v > max) fail(code, name, `value ${v} is outside ${min}..${max}`);
      return Uint8Array.of(v);
    },
  };
}

function u16(code: number, name: string, min = 0): OptionCodec<number> {
  return {
    code, name,
    decode(d) {
      if (d.length !== 2) fail(code, name, `must be 2 bytes, got ${d.length}`);
      const v = (d[0]! << 8) | d[1]!;
      if (v < min) fail(code, name, `value ${v} is below the minimum ${min}`);
      return v;
    },
    encode(v) {
      if (!Number.isInteger(v) || v < min || v > 0xffff) fail(code, name, `value ${v} is outside ${min}..65535`);
      return Uint8Array.of(v >> 8, v & 255);
    },
  };
}

function u32(code: number, name: string): OptionCodec<number> {
  return {
    code, name,
    decode(d) {
      if (d.length !== 4) fail(code, name, `must be 4 bytes, got ${d.length}`);
      return new DataView(d.buffer, d.byteOffset, 4).getUint32(0);
    },
    encode(v) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail(code, name, `value ${v} is not an unsigned 32-bit number`);
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, v);
      return out;
    },
  };
}

function ipv4(code: number, name: string): OptionCodec<string> {
  return {
    code, name,
    decode(d) {
      if (d.length !== 4) fail(code, name, `must be 4 bytes (one IPv4 address), got ${d.length}`);
      return readIpv4(d, 0);
    },
    encode(v) {
      if (!isIpv4(v)) fail(code, name, `"${v}" is not an IPv4 address`);
      const out = new Uint8Array(4);
      writeIpv4(out, 0, v);
      return out;
    },
  };
}

function ipv4List(code: number, name: string): OptionCodec<string[]> {
  return {
    code, name,
    decode(d) {
      if (d.length === 0 || d.length % 4) fail(code, name, `length ${d.length} is not a positive multiple of 4`);
      const out: string[] = [];
      for (let i = 0; i < d.length; i += 4) out.push(readIpv4(d, i));
      return out;
    },
    encode(v) {
      if (v.length === 0) fail(code, name, 'needs at least one address');
      const out = new Uint8Array(4 * v.length);
      v.forEach((a, i) => {
        if (!isIpv4(a)) fail(code, name, `"${a}" is not an IPv4 address`);
        writeIpv4(out, 4 * i, a);
      });
      return out;
    },
  };
}

/** NVT ASCII text; a trailing NUL some clients add is dropped (RFC 2132 §2 says not to send it). */
function text(code: number, name: string, minLength = 1): OptionCodec<string> {
  return {
    code, name,
    decode(d) {
      if (d.length < minLength) fail(code, name, `must be at least ${minLength} byte(s), got ${d.length}`);
      let end = d.length;
      while (end > 0 && d[end - 1] === 0) end--;
      let s = '';
      for (let i = 0; i < end; i++) s += String.fromCharCode(d[i]!);
      return s;
    },
    encode(v) {
      if (v.length < minLength) fail(code, name, `must be at least ${minLength} character(s)`);
      const out = new Uint8Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const c = v.charCodeAt(i);
        if (c > 255) fail(code, name, `character U+${c.toString(16)} at index ${i} is not a byte`);
        out[i] = c;
      }
      return out;
    },
  };
}

function byteList(code: number, name: string): OptionCodec<number[]> {
  return {
    code, name,
    decode(d) {
      if (d.length === 0) fail(code, name, 'must list at least one code');
      return [...d];
    },
    encode(v) {
      if (v.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) fail(code, name, 'every entry must be a byte');
      return Uint8Array.from(v);
    },
  };
}

export interface ClientIdentifier {
  /** 1 = Ethernet MAC follows; 0 = opaque; 255 = RFC 4361 IAID+DUID. */
  type: number;
  id: Uint8Array;
}

export interface NetworkInterfaceId {
  /** 1 = UNDI. */
  type: number;
  major: number;
  minor: number;
}

export interface MachineId {
  /** 0 = a 16-byte UUID/GUID follows (RFC 4578 §2.5). */
  type: number;
  id: Uint8Array;
}

export interface RelayAgentInfo {
  circuitId?: Uint8Array;
  remoteId?: Uint8Array;
  /** Every sub-option including 1 and 2, in order, for echoing back unchanged (RFC 3046 §2.2). */
  subOptions: SubOptions;
}

export const Opt = {
  subnetMask: ipv4(DhcpOption.SUBNET_MASK, 'subnet mask'),
  router: ipv4List(DhcpOption.ROUTER, 'router'),
  dnsServers: ipv4List(DhcpOption.DNS_SERVERS, 'DNS servers'),
  hostname: text(DhcpOption.HOSTNAME, 'host name'),
  broadcastAddress: ipv4(DhcpOption.BROADCAST_ADDRESS, 'broadcast address'),
  requestedIp: ipv4(DhcpOption.REQUESTED_IP, 'requested IP address'),
  leaseTime: u32(DhcpOption.LEASE_TIME, 'lease time'),
  overload: u8(DhcpOption.OVERLOAD, 'option overload', 1, 3),
  messageType: u8(DhcpOption.MESSAGE_TYPE, 'message type', 1, 255),
  serverId: ipv4(DhcpOption.SERVER_ID, 'server identifier'),
  parameterList: byteList(DhcpOption.PARAMETER_LIST, 'parameter request list'),
  message: text(DhcpOption.MESSAGE, 'message'),
  /** RFC 2132 §9.10: at least 576. */
  maxMessageSize: u16(DhcpOption.MAX_MESSAGE_SIZE, 'maximum message size', 576),
  renewalTime: u32(DhcpOption.RENEWAL_TIME, 'renewal (T1) time'),
  rebindingTime: u32(DhcpOption.REBINDING_TIME, 'rebinding (T2) time'),
  vendorClass: text(DhcpOption.VENDOR_CLASS, 'vendor class identifier'),
  clientId: {
    code: DhcpOption.CLIENT_ID, name: 'client identifier',
    decode(d) {
      if (d.length < 2) fail(DhcpOption.CLIENT_ID, 'client identifier', `must be at least 2 bytes (type + id), got ${d.length}`);
      return { type: d[0]!, id: d.slice(1) };
    },
    encode(v) {
      const out = new Uint8Array(1 + v.id.length);
      out[0] = v.type;
      out.set(v.id, 1);
      return out;
    },
  } satisfies OptionCodec<ClientIdentifier>,
  tftpServerName: text(DhcpOption.TFTP_SERVER_NAME, 'TFTP server name'),
  bootfileName: text(DhcpOption.BOOTFILE_NAME, 'bootfile name'),
  /**
   * RFC 3004 user class: a list of (length, data) items. iPXE and many other clients send one
   * bare string instead ("iPXE"); when the bytes do not parse exactly as RFC 3004 items they are
   * read as that single string, which is how dnsmasq and ISC dhcpd treat them too.
   */
  userClass: {
    code: DhcpOption.USER_CLASS, name: 'user class',
    decode(d) {
      if (d.length === 0) fail(DhcpOption.USER_CLASS, 'user class', 'must not be empty');
      const items: string[] = [];
      let i = 0;
      while (i < d.length) {
        const n = d[i]!;
        if (n === 0 || i + 1 + n > d.length) return [latin1(d)];
        items.push(latin1(d.subarray(i + 1, i + 1 + n)));
        i += 1 + n;
      }
      return items;
    },
    encode(v) {
      if (v.length === 0) fail(DhcpOption.USER_CLASS, 'user class', 'needs at least one class');
      const parts: number[] = [];
      for (const item of v) {
        if (item.length === 0 || item.length > 255) fail(DhcpOption.USER_CLASS, 'user class', `item "${item.slice(0, 20)}" must be 1..255 characters`);
        parts.push(item.length, ...[...item].map((c) => c.charCodeAt(0) & 255));
      }
      return Uint8Array.from(parts);
    },
  } satisfies OptionCodec<string[]>,
  relayAgent: {
    code: DhcpOption.RELAY_AGENT, name: 'relay agent information',
    decode(d) {
      if (d.length < 2) fail(DhcpOption.RELAY_AGENT, 'relay agent information', `must hold at least one sub-option, got ${d.length} byte(s)`);
      const subOptions = decodeSubOptions(d, 'option 82', false);
      const info: RelayAgentInfo = { subOptions };
      if (subOptions.has(1)) info.circuitId = subOptions.get(1)!;
      if (subOptions.has(2)) info.remoteId = subOptions.get(2)!;
      return info;
    },
    encode(v) {
      const subs = new Map(v.subOptions);
      if (v.circuitId) subs.set(1, v.circuitId);
      if (v.remoteId) subs.set(2, v.remoteId);
      return encodeSubOptions(subs, 'option 82', false);
    },
  } satisfies OptionCodec<RelayAgentInfo>,
  /** RFC 4578 §2.1: one or more 16-bit architecture types, most preferred first. */
  clientArch: {
    code: DhcpOption.CLIENT_ARCH, name: 'client system architecture',
    decode(d) {
      if (d.length === 0 || d.length % 2) fail(DhcpOption.CLIENT_ARCH, 'client system architecture', `length ${d.length} is not a positive multiple of 2`);
      const out: number[] = [];
      for (let i = 0; i < d.length; i += 2) out.push((d[i]! << 8) | d[i + 1]!);
      return out;
    },
    encode(v) {
      if (v.length === 0) fail(DhcpOption.CLIENT_ARCH, 'client system architecture', 'needs at least one type');
      return Uint8Array.from(v.flatMap((x) => [(x >> 8) & 255, x & 255]));
    },
  } satisfies OptionCodec<number[]>,
  /** RFC 4578 §2.2: type 1 (UNDI), major, minor: exactly 3 bytes. */
  clientNdi: {
    code: DhcpOption.CLIENT_NDI, name: 'client network interface identifier',
    decode(d) {
      if (d.length !== 3) fail(DhcpOption.CLIENT_NDI, 'client network interface identifier', `must be 3 bytes, got ${d.length}`);
      return { type: d[0]!, major: d[1]!, minor: d[2]! };
    },
    encode(v) {
      return Uint8Array.of(v.type, v.major, v.minor);
    },
  } satisfies OptionCodec<NetworkInterfaceId>,
  /** RFC 4578 §2.3: type 0 then a 16-byte UUID: exactly 17 bytes. */
  clientUuid: {
    code: DhcpOption.CLIENT_UUID, name: 'client machine identifier',
    decode(d) {
      if (d.length !== 17) fail(DhcpOption.CLIENT_UUID, 'client machine identifier', `must be 17 bytes (type 0 + 16-byte UUID), got ${d.length}`);
      return { type: d[0]!, id: d.slice(1) };
    },
    encode(v) {
      if (v.id.length !== 16) fail(DhcpOption.CLIENT_UUID, 'client machine identifier', `UUID must be 16 bytes, got ${v.id.length}`);
      const out = new Uint8Array(17);
      out[0] = v.type;
      out.set(v.id, 1);
      return out;
    },
  } satisfies OptionCodec<MachineId>,
  /** iPXE's encapsulated options: a TLV list with pad/end like option 43. */
  ipxe: {
    code: DhcpOption.IPXE_ENCAPSULATED, name: 'iPXE encapsulated options',
    decode(d) {
      return decodeSubOptions(d, 'option 175', true);
    },
    encode(v) {
      return encodeSubOptions(v, 'option 175', false);
    },
  } satisfies OptionCodec<SubOptions>,
} as const;

function latin1(d: Uint8Array): string {
  let s = '';
  for (const b of d) s += String.fromCharCode(b);
  return s;
}

/** UUID bytes in the canonical text form (RFC 4122 byte order, as PXE clients send them). */
export function formatUuid(id: Uint8Array): string {
  const h = [...id].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
