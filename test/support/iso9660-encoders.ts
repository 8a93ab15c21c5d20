/**
 * Test-side encoders for ISO 9660 structures (ECMA-119, SUSP, RRIP, El Torito), so fixture
 * tables can state a structure once, encode it and check the decoders give it back.
 */

export function both32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function both16(v: number): number[] {
  return [v & 0xff, v >>> 8, v >>> 8, v & 0xff];
}

export function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

export function ucs2(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) >> 8, s.charCodeAt(i) & 0xff);
  return out;
}

export function padded(bytes: number[], length: number, fill = 0x20): number[] {
  return [...bytes, ...new Array(Math.max(0, length - bytes.length)).fill(fill)].slice(0, length);
}

/** §9.1.5: years since 1900, month, day, hour, minute, second, GMT offset in 15 minutes. */
export function shortDateBytes(d: { y: number; mo: number; d: number; h: number; mi: number; s: number; tz: number }): number[] {
  return [d.y - 1900, d.mo, d.d, d.h, d.mi, d.s, d.tz & 0xff];
}

export interface RecordSpec {
  sector: number;
  length: number;
  flags?: number;
  /** Raw identifier bytes (use [0] / [1] for '.' / '..'). */
  id: number[];
  systemUse?: number[];
  date?: number[];
  extAttr?: number;
  unitSize?: number;
}

export function encodeRecord(r: RecordSpec): Uint8Array {
  const pad = r.id.length % 2 === 0 ? [0] : [];
  const su = r.systemUse ?? [];
  const length = 33 + r.id.length + pad.length + su.length;
  return new Uint8Array([
    length,
    r.extAttr ?? 0,
    ...both32(r.sector),
    ...both32(r.length),
    ...(r.date ?? [0, 0, 0, 0, 0, 0, 0]),
    r.flags ?? 0,
    r.unitSize ?? 0,
    0,
    ...both16(1),
    r.id.length,
    ...r.id,
    ...pad,
    ...su,
  ]);
}

export function susp(sig: string, data: number[], version = 1): number[] {
  return [...ascii(sig), 4 + data.length, version, ...data];
}

export const sp = (skip: number) => susp('SP', [0xbe, 0xef, skip]);
export const ce = (sector: number, offset: number, length: number) => susp('CE', [...both32(sector), ...both32(offset), ...both32(length)]);
export const nm = (flags: number, name: string) => susp('NM', [flags, ...Buffer.from(name, 'utf8')]);
export const px = (mode: number, nlink: number, uid: number, gid: number) => susp('PX', [...both32(mode), ...both32(nlink), ...both32(uid), ...both32(gid)]);
export const cl = (sector: number) => susp('CL', both32(sector));
export const re = () => susp('RE', []);
export const st = () => susp('ST', []);
export function sl(components: { flags: number; text?: string }[], flags = 0): number[] {
  const body: number[] = [flags];
  for (const c of components) {
    const bytes = c.text ? [...Buffer.from(c.text, 'utf8')] : [];
    body.push(c.flags, bytes.length, ...bytes);
  }
  return susp('SL', body);
}

export interface DescriptorSpec {
  type: number;
  volumeId?: string;
  blocks?: number;
  blockSize?: number;
  root?: RecordSpec;
  /** Joliet escape: '@', 'C' or 'E'. */
  joliet?: '@' | 'C' | 'E';
  catalogSector?: number;
  created?: string;
}

export function encodeDescriptor(d: DescriptorSpec): Uint8Array {
  const b = new Uint8Array(2048);
  b[0] = d.type;
  b.set(ascii('CD001'), 1);
  b[6] = 1;
  if (d.type === 0) {
    b.set(padded(ascii('EL TORITO SPECIFICATION'), 32, 0), 7);
    new DataView(b.buffer).setUint32(0x47, d.catalogSector ?? 0, true);
    return b;
  }
  if (d.type === 1 || d.type === 2) {
    const str = d.joliet ? (s: string, n: number) => padded(ucs2(s), n, 0) : (s: string, n: number) => padded(ascii(s), n);
    b.set(str('', 32), 8);
    b.set(str(d.volumeId ?? '', 32), 40);
    b.set(both32(d.blocks ?? 0), 80);
    if (d.joliet) b.set(ascii('%/' + d.joliet), 88);
    b.set(both16(1), 120);
    b.set(both16(1), 124);
    b.set(both16(d.blockSize ?? 2048), 128);
    b.set(encodeRecord(d.root ?? { sector: 20, length: 2048, flags: 2, id: [0] }), 156);
    for (const at of [190, 318, 446, 574]) b.set(str('', 128), at);
    b.set(ascii((d.created ?? '0000000000000000').padEnd(16, '0')), 813);
  }
  return b;
}

export interface CatalogEntrySpec {
  bootable?: boolean;
  media?: number;
  sectorCount: number;
  loadSector: number;
  /** Extension entries following this one (§2.5). */
  extensions?: number;
}

/** Validation entry with a correct checksum, the default entry, then sections. */
export function encodeCatalog(platform: number, first: CatalogEntrySpec, sections: { platform: number; entries: CatalogEntrySpec[] }[] = []): Uint8Array {
  const out: number[] = [];
  const validation = [1, platform, 0, 0, ...padded(ascii('TEST'), 24, 0), 0, 0, 0x55, 0xaa];
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + validation[i]! + (validation[i + 1]! << 8)) & 0xffff;
  const check = (0x10000 - sum) & 0xffff;
  validation[28] = check & 0xff;
  validation[29] = check >> 8;
  out.push(...validation);
  const entry = (e: CatalogEntrySpec) => {
    const bytes = [e.bootable === false ? 0 : 0x88, (e.media ?? 0) | (e.extensions ? 0x20 : 0), 0, 0, 0, 0, e.sectorCount & 0xff, e.sectorCount >> 8, ...both32(e.loadSector).slice(0, 4), ...new Array(20).fill(0)];
    out.push(...bytes);
    for (let i = 0; i < (e.extensions ?? 0); i++) out.push(0x44, i + 1 < e.extensions! ? 0x20 : 0, ...new Array(30).fill(0));
  };
  entry(first);
  sections.forEach((s, i) => {
    out.push(i === sections.length - 1 ? 0x91 : 0x90, s.platform, s.entries.length & 0xff, s.entries.length >> 8, ...new Array(28).fill(0));
    s.entries.forEach(entry);
  });
  return new Uint8Array([...out, ...new Array(2048 - (out.length % 2048)).fill(0)]);
}
