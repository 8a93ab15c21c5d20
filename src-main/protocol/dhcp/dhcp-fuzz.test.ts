import { describe, expect, it } from 'vitest';
import { ascii } from '../../../test/support/hex-bytes.ts';
import { randomInt as int, seededRandom } from '../../../test/support/seeded-random.ts';
import { classifyClient } from '../../pxe/client-class.ts';
import { DhcpCodecError } from './dhcp-codec-error.ts';
import { decodeDhcpPacket, encodeDhcpPacket, emptyPacket, type DhcpPacket } from './packet.ts';
import { decodePxeVendorOptions } from './pxe-vendor-options.ts';
import { Opt, readOption } from './typed-options.ts';

const SEED = 0x5eed_d4c9;
const CASES = 40_000;

/** Valid starting points: a PXE DISCOVER, an iPXE REQUEST, an overloaded reply, a relayed proxy ACK. */
function seeds(): Uint8Array[] {
  const discover: DhcpPacket = {
    ...emptyPacket(1), xid: 1, flags: 0x8000, chaddr: Uint8Array.of(0x52, 0x54, 0, 1, 2, 3, ...new Array(10).fill(0)),
    options: new Map([[53, Uint8Array.of(1)], [93, Uint8Array.of(0, 7)], [94, Uint8Array.of(1, 3, 16)], [60, ascii('PXEClient:Arch:00007:UNDI:003016')],
      [97, new Uint8Array(17)], [55, Uint8Array.of(1, 3, 43, 60, 66, 67)], [57, Uint8Array.of(5, 192)]]),
  };
  const ipxe: DhcpPacket = {
    ...discover, xid: 2, ciaddr: '198.18.0.100',
    options: new Map([[53, Uint8Array.of(3)], [54, Uint8Array.of(198, 18, 0, 1)], [50, Uint8Array.of(198, 18, 0, 100)], [77, ascii('iPXE')],
      [175, Uint8Array.of(177, 5, 1, 0x80, 0x86, 0x10, 0x0e, 19, 1, 1)], [93, Uint8Array.of(0, 0)], [61, Uint8Array.of(1, 0x52, 0x54, 0, 1, 2, 3)]]),
  };
  const bigOptions = new Map<number, Uint8Array>([[53, Uint8Array.of(2)]]);
  for (let c = 120; c < 131; c++) bigOptions.set(c, new Uint8Array(37).fill(c));
  const overloaded: DhcpPacket = { ...emptyPacket(2), xid: 3, yiaddr: '198.18.0.5', options: bigOptions };
  const proxyAck: DhcpPacket = {
    ...emptyPacket(2), xid: 4, giaddr: '198.18.1.1', siaddr: '198.18.0.1', file: 'ipxe.efi', sname: '198.18.0.1',
    options: new Map([[53, Uint8Array.of(5)], [60, ascii('PXEClient')], [43, Uint8Array.of(6, 1, 8, 8, 7, 0x80, 0, 1, 198, 18, 0, 1, 9, 5, 0x80, 0, 2, 65, 66, 10, 2, 0, 65, 255)],
      [82, Uint8Array.of(1, 2, 0, 1, 2, 3, 1, 2, 3)], [66, ascii('198.18.0.1')], [67, ascii('ipxe.efi')], [1, Uint8Array.of(255, 255, 255, 0)], [3, Uint8Array.of(198, 18, 0, 254)],
      [6, Uint8Array.of(198, 18, 0, 254, 198, 18, 0, 253)], [28, Uint8Array.of(198, 18, 0, 255)], [12, ascii('node')]]),
  };
  return [encodeDhcpPacket(discover), encodeDhcpPacket(ipxe), encodeDhcpPacket(overloaded), encodeDhcpPacket(proxyAck, { maxLength: 1500 })];
}

type Mutator = (bytes: Uint8Array, rnd: () => number) => Uint8Array;

const mutators: Mutator[] = [
  // flip a few random bits anywhere
  (b, rnd) => {
    const out = b.slice();
    for (let k = 1 + int(rnd, 4); k > 0; k--) out[int(rnd, out.length)]! ^= 1 << int(rnd, 8);
    return out;
  },
  // overwrite a byte in the options region with a boundary value (0, 1, 52, 255, random)
  (b, rnd) => {
    const out = b.slice();
    const values = [0, 1, 2, 52, 127, 128, 254, 255, int(rnd, 256)];
    out[240 + int(rnd, Math.max(1, out.length - 240))] = values[int(rnd, values.length)]!;
    return out;
  },
  // truncate
  (b, rnd) => b.slice(0, int(rnd, b.length + 1)),
  // append random garbage
  (b, rnd) => {
    const extra = Uint8Array.from({ length: 1 + int(rnd, 64) }, () => int(rnd, 256));
    const out = new Uint8Array(b.length + extra.length);
    out.set(b);
    out.set(extra, b.length);
    return out;
  },
  // turn on overload and scribble TLVs into file/sname
  (b, rnd) => {
    const out = b.slice();
    out[240] = 52;
    out[241] = 1;
    out[242] = 1 + int(rnd, 3);
    for (let i = 44; i < 236; i++) if (rnd() < 0.2) out[i] = int(rnd, 256);
    return out;
  },
  // plant a random option with a random (often lying) length at a random options offset
  (b, rnd) => {
    const out = b.slice();
    const at = 240 + int(rnd, Math.max(1, out.length - 242));
    const codes = [43, 50, 53, 54, 55, 57, 60, 61, 77, 82, 93, 94, 97, 175, 12, 1, 3, 6, 28];
    out[at] = codes[int(rnd, codes.length)]!;
    if (at + 1 < out.length) out[at + 1] = int(rnd, 256);
    return out;
  },
  // splice two seeds together at random points
  (b, rnd) => {
    const cut = int(rnd, b.length);
    const tail = Uint8Array.from({ length: int(rnd, 200) }, () => (rnd() < 0.5 ? 0 : int(rnd, 256)));
    const out = new Uint8Array(cut + tail.length);
    out.set(b.subarray(0, cut));
    out.set(tail, cut);
    return out;
  },
];

/** Every typed reader a server applies to a request; each may throw only DhcpCodecError. */
function exercise(p: DhcpPacket): void {
  for (const codec of Object.values(Opt)) {
    try {
      readOption(p.options, codec as never);
    } catch (err) {
      if (!(err instanceof DhcpCodecError)) throw err;
    }
  }
  const vendor = p.options.get(43);
  if (vendor) {
    try {
      decodePxeVendorOptions(vendor);
    } catch (err) {
      if (!(err instanceof DhcpCodecError)) throw err;
    }
  }
  classifyClient(p); // must never throw: malformed options become `problems`
  try {
    decodeDhcpPacket(encodeDhcpPacket(p, { maxLength: 65_000 }));
  } catch (err) {
    if (!(err instanceof DhcpCodecError)) throw err;
  }
}

describe('DHCP codec fuzzing', () => {
  it(`survives ${CASES} mutated packets (seed 0x${SEED.toString(16)}) with nothing but DhcpCodecError`, () => {
    const rnd = seededRandom(SEED);
    const bases = seeds();
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < CASES; i++) {
      let bytes = bases[int(rnd, bases.length)]!;
      for (let k = 1 + int(rnd, 3); k > 0; k--) bytes = mutators[int(rnd, mutators.length)]!(bytes, rnd);
      let packet: DhcpPacket | undefined;
      try {
        packet = decodeDhcpPacket(bytes);
      } catch (err) {
        if (!(err instanceof DhcpCodecError)) throw new Error(`case ${i}: ${String(err)} is not a DhcpCodecError`);
        expect(err).toBeInstanceOf(RangeError);
        rejected++;
        continue;
      }
      decoded++;
      exercise(packet);
    }
    // Both outcomes must be well represented, or the mutators are not reaching the parser.
    expect(decoded).toBeGreaterThan(CASES / 10);
    expect(rejected).toBeGreaterThan(CASES / 10);
  });
});
