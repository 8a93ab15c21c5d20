import { describe, expect, it } from 'vitest';
import { NbdCmd, NbdInfo, NbdOpt, NbdRep } from './constants.ts';
import { NbdProtocolError } from './errors.ts';
import {
  decodeClientFlags,
  decodeExportNameReply,
  decodeOptionHeader,
  decodeOptionReplyHeader,
  decodeServerGreeting,
  encodeClientFlags,
  encodeExportNameReply,
  encodeOption,
  encodeOptionReply,
  encodeServerGreeting,
} from './handshake.ts';
import {
  decodeExportNameData,
  decodeInfo,
  decodeInfoRequest,
  decodeServerEntry,
  encodeExportNameData,
  encodeInfo,
  encodeInfoRequest,
  encodeServerEntry,
} from './option-data.ts';
import { decodeRequest, decodeSimpleReply, encodeRequest, encodeSimpleReply } from './transmission.ts';
import { seededRandom } from '../../../test/support/seeded-random.ts';

/** Flip bits, overwrite bytes, truncate or extend: the mutations a broken or hostile peer produces. */
function mutate(input: Uint8Array, rnd: () => number): Uint8Array {
  let out = Uint8Array.from(input);
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const pick = rnd();
    if (pick < 0.4 && out.length) out[Math.floor(rnd() * out.length)]! ^= 1 << Math.floor(rnd() * 8);
    else if (pick < 0.7 && out.length) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
    else if (pick < 0.85) out = out.subarray(0, Math.floor(rnd() * (out.length + 1)));
    else {
      const extra = new Uint8Array(1 + Math.floor(rnd() * 8)).map(() => Math.floor(rnd() * 256));
      const grown = new Uint8Array(out.length + extra.length);
      grown.set(out);
      grown.set(extra, out.length);
      out = grown;
    }
  }
  return out;
}

const seeds: Array<{ name: string; bytes: Uint8Array; decode: (b: Uint8Array) => unknown }> = [
  { name: 'server greeting', bytes: encodeServerGreeting(3), decode: decodeServerGreeting },
  { name: 'client flags', bytes: encodeClientFlags(3), decode: decodeClientFlags },
  { name: 'option header', bytes: encodeOption(NbdOpt.GO, new Uint8Array(10)).subarray(0, 16), decode: (b) => decodeOptionHeader(b) },
  { name: 'option reply header', bytes: encodeOptionReply(NbdOpt.LIST, NbdRep.SERVER, new Uint8Array(5)).subarray(0, 20), decode: decodeOptionReplyHeader },
  { name: 'export-name reply', bytes: encodeExportNameReply({ size: 1 << 30, transmissionFlags: 0x107 }, true), decode: decodeExportNameReply },
  { name: 'export name data', bytes: encodeExportNameData('arch-2024.01.01'), decode: decodeExportNameData },
  { name: 'INFO/GO request', bytes: encodeInfoRequest({ name: 'arch', requests: [NbdInfo.NAME, NbdInfo.DESCRIPTION, NbdInfo.BLOCK_SIZE] }), decode: decodeInfoRequest },
  { name: 'NBD_REP_SERVER', bytes: encodeServerEntry({ name: 'arch', description: 'Arch Linux' }), decode: decodeServerEntry },
  { name: 'NBD_INFO_EXPORT', bytes: encodeInfo({ type: 'export', size: 123456789, transmissionFlags: 0x107 }), decode: decodeInfo },
  { name: 'NBD_INFO_BLOCK_SIZE', bytes: encodeInfo({ type: 'block-size', minimum: 1, preferred: 4096, maximum: 1 << 25 }), decode: decodeInfo },
  { name: 'request', bytes: encodeRequest({ flags: 0, type: NbdCmd.READ, cookie: 42n, offset: 4096n, length: 65536 }), decode: decodeRequest },
  { name: 'simple reply', bytes: encodeSimpleReply({ error: 0, cookie: 42n }), decode: decodeSimpleReply },
];

describe('codec fuzz', () => {
  for (const seed of seeds) {
    it(`decoding mutated ${seed.name} messages either succeeds or throws NbdProtocolError, never anything else`, () => {
      const rnd = seededRandom(0x5eed ^ seed.bytes.length ^ seed.name.length * 7919);
      let accepted = 0;
      let refused = 0;
      for (let i = 0; i < 3000; i++) {
        const input = mutate(seed.bytes, rnd);
        try {
          seed.decode(input);
          accepted++;
        } catch (err) {
          if (!(err instanceof NbdProtocolError)) {
            throw new Error(`case ${i} (${[...input].map((b) => b.toString(16).padStart(2, '0')).join('')}) threw ${String(err)}`);
          }
          expect(err).toBeInstanceOf(RangeError);
          refused++;
        }
      }
      // Both outcomes must occur, otherwise the mutations are not exercising the validation.
      expect(refused).toBeGreaterThan(0);
      expect(accepted + refused).toBe(3000);
    });
  }

  it('re-encoding whatever a decoder accepts from a mutated request reproduces the bytes', () => {
    const rnd = seededRandom(1234);
    const base = encodeRequest({ flags: 0, type: NbdCmd.READ, cookie: 9n, offset: 1n << 40n, length: 1 << 20 });
    for (let i = 0; i < 3000; i++) {
      const input = Uint8Array.from(base);
      input[4 + Math.floor(rnd() * 24)] = Math.floor(rnd() * 256);
      expect(encodeRequest(decodeRequest(input))).toEqual(input);
    }
  });
});
