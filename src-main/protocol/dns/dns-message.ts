/**
 * Just enough of the DNS wire format (RFC 1035 §4.1) for a relay: the fixed header, the first
 * question, and rewriting the ID. Pure over Uint8Array/DataView; every violation is a
 * DnsCodecError (a RangeError with the offset) that the forwarder counts and drops.
 */
export class DnsCodecError extends RangeError {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'DnsCodecError';
  }
}

export const DNS_HEADER_LENGTH = 12;
/** RFC 1035 §2.3.4: 255 octets per name on the wire, 63 per label. */
const MAX_NAME_OCTETS = 255;
const MAX_LABEL = 63;

export interface DnsHeader {
  id: number;
  /** true for a response. */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface DnsQuestion {
  /** Lower-case, dot-separated, no trailing dot ("" for the root). */
  name: string;
  type: number;
  class: number;
  /** Offset just past the question. */
  end: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeDnsHeader(bytes: Uint8Array): DnsHeader {
  if (bytes.length < DNS_HEADER_LENGTH) throw new DnsCodecError(`DNS message of ${bytes.length} bytes is shorter than the ${DNS_HEADER_LENGTH}-byte header`, 0);
  const v = view(bytes);
  const flags = v.getUint16(2);
  return {
    id: v.getUint16(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    qdcount: v.getUint16(4),
    ancount: v.getUint16(6),
    nscount: v.getUint16(8),
    arcount: v.getUint16(10),
  };
}

export function encodeDnsHeader(h: DnsHeader): Uint8Array {
  const out = new Uint8Array(DNS_HEADER_LENGTH);
  const v = view(out);
  for (const [name, value, max] of [['id', h.id, 0xffff], ['opcode', h.opcode, 15], ['rcode', h.rcode, 15], ['qdcount', h.qdcount, 0xffff], ['ancount', h.ancount, 0xffff], ['nscount', h.nscount, 0xffff], ['arcount', h.arcount, 0xffff]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new DnsCodecError(`DNS header ${name} ${value} is outside 0..${max}`, 0);
  }
  v.setUint16(0, h.id);
  v.setUint16(2, (h.qr ? 0x8000 : 0) | (h.opcode << 11) | (h.aa ? 0x0400 : 0) | (h.tc ? 0x0200 : 0) | (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | h.rcode);
  v.setUint16(4, h.qdcount);
  v.setUint16(6, h.ancount);
  v.setUint16(8, h.nscount);
  v.setUint16(10, h.arcount);
  return out;
}

/**
 * Reads a possibly compressed name (RFC 1035 §4.1.4). Pointers must point backwards, which
 * also bounds the walk: a loop cannot be built from backward pointers alone.
 */
export function readDnsName(bytes: Uint8Array, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let octets = 1;
  let limit = offset; // pointers must go strictly below this
  for (;;) {
    if (pos >= bytes.length) throw new DnsCodecError(`DNS name runs past the end of the message`, pos);
    const len = bytes[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= bytes.length) throw new DnsCodecError('DNS compression pointer cut short', pos);
      const target = ((len & 0x3f) << 8) | bytes[pos + 1]!;
      if (target >= limit) throw new DnsCodecError(`DNS compression pointer to ${target} does not point backwards`, pos);
      if (end < 0) end = pos + 2;
      limit = target;
      pos = target;
      continue;
    }
    // Lengths 64..191 are the 0x40/0x80 label types (RFC 6891 retired them): a label is at most 63 here by construction.
    if ((len & 0xc0) !== 0) throw new DnsCodecError(`DNS label type 0x${(len & 0xc0).toString(16)} is not supported`, pos);
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    octets += len + 1;
    if (octets > MAX_NAME_OCTETS) throw new DnsCodecError(`DNS name exceeds ${MAX_NAME_OCTETS} octets`, pos);
    if (pos + 1 + len > bytes.length) throw new DnsCodecError('DNS label runs past the end of the message', pos);
    let label = '';
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = bytes[i]!;
      label += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : c === 0x2e || c === 0x5c || c < 0x21 || c > 0x7e ? `\\${c.toString().padStart(3, '0')}` : String.fromCharCode(c);
    }
    labels.push(label);
    pos += len + 1;
  }
  return { name: labels.join('.'), end };
}

/** The first question of a message (a relay matches replies to queries by it). */
export function readFirstQuestion(bytes: Uint8Array): DnsQuestion {
  const header = decodeDnsHeader(bytes);
  if (header.qdcount < 1) throw new DnsCodecError('DNS message has no question', 4);
  const { name, end } = readDnsName(bytes, DNS_HEADER_LENGTH);
  if (end + 4 > bytes.length) throw new DnsCodecError('DNS question type/class cut short', end);
  const v = view(bytes);
  return { name, type: v.getUint16(end), class: v.getUint16(end + 2), end: end + 4 };
}

export function encodeDnsName(name: string): Uint8Array {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  const parts: number[] = [];
  for (const label of labels) {
    const bytes = [...label].map((c) => c.charCodeAt(0));
    if (bytes.length > MAX_LABEL || bytes.some((b) => b > 0x7f)) throw new DnsCodecError(`DNS label "${label}" is not ASCII of at most ${MAX_LABEL} octets`, 0);
    parts.push(bytes.length, ...bytes);
  }
  parts.push(0);
  if (parts.length > MAX_NAME_OCTETS) throw new DnsCodecError(`DNS name "${name}" exceeds ${MAX_NAME_OCTETS} octets`, 0);
  return Uint8Array.from(parts);
}

/** A standard recursive query for one name (tests and probes). */
export function encodeDnsQuery(id: number, name: string, type = 1): Uint8Array {
  const header = encodeDnsHeader({ id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, qdcount: 1, ancount: 0, nscount: 0, arcount: 0 });
  const qname = encodeDnsName(name);
  const out = new Uint8Array(header.length + qname.length + 4);
  out.set(header, 0);
  out.set(qname, header.length);
  view(out).setUint16(header.length + qname.length, type);
  view(out).setUint16(header.length + qname.length + 2, 1);
  return out;
}

/** A copy of `bytes` with the ID replaced (the relay's only rewrite). */
export function withDnsId(bytes: Uint8Array, id: number): Uint8Array {
  if (bytes.length < 2) throw new DnsCodecError('DNS message too short to carry an ID', 0);
  const out = bytes.slice();
  view(out).setUint16(0, id & 0xffff);
  return out;
}
