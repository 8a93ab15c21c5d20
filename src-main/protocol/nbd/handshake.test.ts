import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../test/support/hex-bytes.ts';
import { NBD_FLAG_C_FIXED_NEWSTYLE, NBD_FLAG_C_NO_ZEROES, NBD_FLAG_FIXED_NEWSTYLE, NBD_FLAG_NO_ZEROES, NbdOpt, NbdRep } from './constants.ts';
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

// Bytes written out by hand from proto.md, not produced by the encoder under test.
const NBDMAGIC = '4e42444d41474943';
const IHAVEOPT = '49484156454f5054';
const REPMAGIC = '0003e889045565a9';

describe('server greeting', () => {
  const fixtures = [
    { name: 'fixed newstyle with no zeroes', flags: NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES, bytes: `${NBDMAGIC}${IHAVEOPT}0003` },
    { name: 'plain newstyle', flags: 0, bytes: `${NBDMAGIC}${IHAVEOPT}0000` },
  ];
  for (const f of fixtures) {
    it(`encodes and decodes ${f.name}`, () => {
      expect(toHex(encodeServerGreeting(f.flags))).toBe(f.bytes);
      expect(decodeServerGreeting(hex(f.bytes))).toEqual({ handshakeFlags: f.flags });
    });
  }

  it('rejects an oldstyle greeting whose second magic is not IHAVEOPT', () => {
    const oldstyle = hex(`${NBDMAGIC}00420281861253000000`.slice(0, 36));
    expect(() => decodeServerGreeting(oldstyle)).toThrow(/oldstyle/);
  });
});

describe('client flags', () => {
  it('round-trips the two known flags', () => {
    const flags = NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES;
    expect(toHex(encodeClientFlags(flags))).toBe('00000003');
    expect(decodeClientFlags(hex('00000003'))).toBe(flags);
    expect(decodeClientFlags(hex('00000000'))).toBe(0);
  });

  it('rejects unknown client flag bits, which the spec says must close the connection', () => {
    const err = (() => {
      try {
        decodeClientFlags(hex('80000001'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NbdProtocolError);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as NbdProtocolError).violation).toBe('flags');
    expect((err as Error).message).toContain('0x80000000');
  });
});

describe('option requests', () => {
  const fixtures = [
    { name: 'NBD_OPT_EXPORT_NAME "iso"', option: NbdOpt.EXPORT_NAME, data: '69736f', bytes: `${IHAVEOPT}00000001 00000003 69736f` },
    { name: 'NBD_OPT_LIST', option: NbdOpt.LIST, data: '', bytes: `${IHAVEOPT}00000003 00000000` },
    { name: 'NBD_OPT_ABORT', option: NbdOpt.ABORT, data: '', bytes: `${IHAVEOPT}00000002 00000000` },
    { name: 'NBD_OPT_STARTTLS', option: NbdOpt.STARTTLS, data: '', bytes: `${IHAVEOPT}00000005 00000000` },
  ];
  for (const f of fixtures) {
    it(`encodes and decodes ${f.name}`, () => {
      const bytes = hex(f.bytes);
      expect(toHex(encodeOption(f.option, hex(f.data)))).toBe(toHex(bytes));
      expect(decodeOptionHeader(bytes.subarray(0, 16))).toEqual({ option: f.option, length: f.data.length / 2 });
    });
  }

  it('refuses an option whose declared length exceeds the limit, naming the limit', () => {
    const header = hex(`${IHAVEOPT}00000007 7fffffff`);
    expect(() => decodeOptionHeader(header, 8192)).toThrow(/2147483647 bytes of data; the limit is 8192/);
    try {
      decodeOptionHeader(header, 8192);
    } catch (e) {
      expect((e as NbdProtocolError).violation).toBe('too-big');
      expect((e as NbdProtocolError).limit).toBe(8192);
    }
  });

  it('refuses an option header without IHAVEOPT', () => {
    expect(() => decodeOptionHeader(hex('474554202f20485454502f312e310d0a'))).toThrow(/IHAVEOPT/);
  });

  it('refuses a truncated option header', () => {
    expect(() => decodeOptionHeader(hex(IHAVEOPT))).toThrow(/expected 16 bytes, got 8/);
  });
});

describe('option replies', () => {
  const fixtures = [
    { name: 'ACK to GO', option: NbdOpt.GO, type: NbdRep.ACK, data: '', bytes: `${REPMAGIC}00000007 00000001 00000000` },
    { name: 'ERR_UNSUP to STARTTLS with a message', option: NbdOpt.STARTTLS, type: NbdRep.ERR_UNSUP, data: '6e6f', bytes: `${REPMAGIC}00000005 80000001 00000002 6e6f` },
    { name: 'ERR_UNKNOWN to INFO', option: NbdOpt.INFO, type: NbdRep.ERR_UNKNOWN, data: '', bytes: `${REPMAGIC}00000006 80000006 00000000` },
    { name: 'ERR_TOO_BIG', option: 9, type: NbdRep.ERR_TOO_BIG, data: '', bytes: `${REPMAGIC}00000009 80000009 00000000` },
  ];
  for (const f of fixtures) {
    it(`encodes and decodes ${f.name}`, () => {
      const bytes = hex(f.bytes);
      expect(toHex(encodeOptionReply(f.option, f.type, hex(f.data)))).toBe(toHex(bytes));
      expect(decodeOptionReplyHeader(bytes.subarray(0, 20))).toEqual({ option: f.option, type: f.type, length: f.data.length / 2 });
    });
  }
});

describe('export-name reply', () => {
  it('carries size and flags, and 124 zero bytes unless NO_ZEROES was agreed', () => {
    const reply = { size: 0x1_0000_0200, transmissionFlags: 0x0107 };
    expect(toHex(encodeExportNameReply(reply, true))).toBe('00000001000002000107');
    const padded = encodeExportNameReply(reply, false);
    expect(padded.byteLength).toBe(134);
    expect(padded.subarray(10).every((b) => b === 0)).toBe(true);
    expect(decodeExportNameReply(hex('00000001000002000107'))).toEqual(reply);
  });

  it('refuses sizes it cannot represent exactly', () => {
    expect(() => encodeExportNameReply({ size: 2 ** 60, transmissionFlags: 0 }, true)).toThrow(RangeError);
    expect(() => decodeExportNameReply(hex('ffffffffffffffff0001'))).toThrow(/exceeds 2\^53-1/);
  });
});
