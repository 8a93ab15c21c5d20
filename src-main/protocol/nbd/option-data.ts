import { NbdInfo } from './constants.ts';
import { NbdProtocolError, expectAtLeast, expectLength } from './errors.ts';
import { checkSafeSize, toSafeNumber, view } from './integers.ts';
import { decodeNbdString, encodeNbdString } from './strings.ts';

/*
 * The data carried by option requests and by option replies (proto.md "Option types",
 * "Option reply types", "NBD_REP_INFO").
 */

/** NBD_OPT_EXPORT_NAME: the whole data is the name. */
export function encodeExportNameData(name: string): Uint8Array {
  return encodeNbdString(name, 'NBD export name');
}

export function decodeExportNameData(data: Uint8Array): string {
  return decodeNbdString(data, 'NBD export name');
}

/** NBD_OPT_INFO / NBD_OPT_GO: name length32, name, count16, info types16[count]. */
export interface NbdInfoRequest {
  name: string;
  requests: number[];
}

export function encodeInfoRequest(req: NbdInfoRequest): Uint8Array {
  const name = encodeNbdString(req.name, 'NBD export name');
  const out = new Uint8Array(4 + name.byteLength + 2 + 2 * req.requests.length);
  const dv = view(out);
  dv.setUint32(0, name.byteLength);
  out.set(name, 4);
  dv.setUint16(4 + name.byteLength, req.requests.length);
  req.requests.forEach((r, i) => dv.setUint16(4 + name.byteLength + 2 + 2 * i, r));
  return out;
}

/** The spec wants NBD_REP_ERR_INVALID when the lengths inside do not add up to the option length. */
export function decodeInfoRequest(data: Uint8Array): NbdInfoRequest {
  expectAtLeast(data, 6, 'NBD INFO/GO request');
  const dv = view(data);
  const nameLength = dv.getUint32(0);
  if (nameLength > data.byteLength - 6) {
    throw new NbdProtocolError('length', `NBD INFO/GO request: name length ${nameLength} overruns the ${data.byteLength}-byte option`, data.byteLength - 6);
  }
  const name = decodeNbdString(data.subarray(4, 4 + nameLength), 'NBD export name');
  const count = dv.getUint16(4 + nameLength);
  expectLength(data, 4 + nameLength + 2 + 2 * count, `NBD INFO/GO request with ${count} information requests`);
  const requests: number[] = [];
  for (let i = 0; i < count; i++) requests.push(dv.getUint16(4 + nameLength + 2 + 2 * i));
  return { name, requests };
}

/** NBD_REP_SERVER (answer to NBD_OPT_LIST): name length32, name, then free text libnbd shows as the description. */
export interface NbdServerEntry {
  name: string;
  description?: string;
}

export function encodeServerEntry(entry: NbdServerEntry): Uint8Array {
  const name = encodeNbdString(entry.name, 'NBD export name');
  const description = encodeNbdString(entry.description ?? '', 'NBD export description');
  const out = new Uint8Array(4 + name.byteLength + description.byteLength);
  view(out).setUint32(0, name.byteLength);
  out.set(name, 4);
  out.set(description, 4 + name.byteLength);
  return out;
}

export function decodeServerEntry(data: Uint8Array): NbdServerEntry {
  expectAtLeast(data, 4, 'NBD_REP_SERVER');
  const nameLength = view(data).getUint32(0);
  if (nameLength > data.byteLength - 4) {
    throw new NbdProtocolError('length', `NBD_REP_SERVER: name length ${nameLength} overruns the ${data.byteLength}-byte reply`, data.byteLength - 4);
  }
  const name = decodeNbdString(data.subarray(4, 4 + nameLength), 'NBD export name');
  const rest = data.subarray(4 + nameLength);
  return rest.byteLength ? { name, description: decodeNbdString(rest, 'NBD export description') } : { name };
}

/** The payload of one NBD_REP_INFO reply. */
export type NbdInfoItem =
  | { type: 'export'; size: number; transmissionFlags: number }
  | { type: 'name'; name: string }
  | { type: 'description'; description: string }
  | { type: 'block-size'; minimum: number; preferred: number; maximum: number };

export function encodeInfo(item: NbdInfoItem): Uint8Array {
  switch (item.type) {
    case 'export': {
      checkSafeSize(item.size, 'NBD export size');
      const out = new Uint8Array(12);
      const dv = view(out);
      dv.setUint16(0, NbdInfo.EXPORT);
      dv.setBigUint64(2, BigInt(item.size));
      dv.setUint16(10, item.transmissionFlags);
      return out;
    }
    case 'name':
    case 'description': {
      const text = encodeNbdString(item.type === 'name' ? item.name : item.description, `NBD export ${item.type}`);
      const out = new Uint8Array(2 + text.byteLength);
      view(out).setUint16(0, item.type === 'name' ? NbdInfo.NAME : NbdInfo.DESCRIPTION);
      out.set(text, 2);
      return out;
    }
    case 'block-size': {
      const out = new Uint8Array(14);
      const dv = view(out);
      dv.setUint16(0, NbdInfo.BLOCK_SIZE);
      dv.setUint32(2, item.minimum);
      dv.setUint32(6, item.preferred);
      dv.setUint32(10, item.maximum);
      return out;
    }
  }
}

/** Decodes the information types this codec knows; others are returned as `null` (a client must ignore them). */
export function decodeInfo(data: Uint8Array): NbdInfoItem | null {
  expectAtLeast(data, 2, 'NBD_REP_INFO');
  const dv = view(data);
  const type = dv.getUint16(0);
  switch (type) {
    case NbdInfo.EXPORT:
      expectLength(data, 12, 'NBD_INFO_EXPORT');
      return { type: 'export', size: toSafeNumber(dv.getBigUint64(2), 'NBD export size'), transmissionFlags: dv.getUint16(10) };
    case NbdInfo.NAME:
      return { type: 'name', name: decodeNbdString(data.subarray(2), 'NBD export name') };
    case NbdInfo.DESCRIPTION:
      return { type: 'description', description: decodeNbdString(data.subarray(2), 'NBD export description') };
    case NbdInfo.BLOCK_SIZE:
      expectLength(data, 14, 'NBD_INFO_BLOCK_SIZE');
      return { type: 'block-size', minimum: dv.getUint32(2), preferred: dv.getUint32(6), maximum: dv.getUint32(10) };
    default:
      return null;
  }
}
