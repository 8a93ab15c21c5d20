import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../test/support/hex-bytes.ts';
import { NbdCmd, NbdCmdFlag, NbdErrno } from './constants.ts';
import { NbdProtocolError } from './errors.ts';
import { decodeRequest, decodeSimpleReply, encodeRequest, encodeSimpleReply, encodeSimpleReplyInto, type NbdRequest } from './transmission.ts';

describe('transmission requests', () => {
  const fixtures: { name: string; req: NbdRequest; bytes: string }[] = [
    {
      name: 'a 4 KiB READ at 1 GiB',
      req: { flags: 0, type: NbdCmd.READ, cookie: 0x0102030405060708n, offset: 0x4000_0000n, length: 4096 },
      bytes: '25609513 0000 0000 0102030405060708 0000000040000000 00001000',
    },
    {
      name: 'a WRITE with FUA',
      req: { flags: NbdCmdFlag.FUA, type: NbdCmd.WRITE, cookie: 1n, offset: 512n, length: 512 },
      bytes: '25609513 0001 0001 0000000000000001 0000000000000200 00000200',
    },
    { name: 'DISC', req: { flags: 0, type: NbdCmd.DISC, cookie: 0n, offset: 0n, length: 0 }, bytes: '25609513 0000 0002 0000000000000000 0000000000000000 00000000' },
    {
      name: 'an offset beyond 2^53 (kept exact so the server can answer EINVAL)',
      req: { flags: 0, type: NbdCmd.READ, cookie: 0xffffffffffffffffn, offset: 0xfffffffffffffe00n, length: 512 },
      bytes: '25609513 0000 0000 ffffffffffffffff fffffffffffffe00 00000200',
    },
  ];
  for (const f of fixtures) {
    it(`encodes and decodes ${f.name}`, () => {
      expect(toHex(encodeRequest(f.req))).toBe(toHex(hex(f.bytes)));
      expect(decodeRequest(hex(f.bytes))).toEqual(f.req);
    });
  }

  it('refuses a request with the wrong magic, because framing is lost', () => {
    const bad = hex('67446698 0000 0000 0000000000000001 0000000000000000 00000200');
    expect(() => decodeRequest(bad)).toThrow(/magic is 0x67446698, expected 0x25609513/);
    try {
      decodeRequest(bad);
    } catch (e) {
      expect((e as NbdProtocolError).violation).toBe('magic');
    }
  });

  it('refuses a short request', () => {
    expect(() => decodeRequest(hex('25609513 0000'))).toThrow(/expected 28 bytes, got 6/);
  });
});

describe('simple replies', () => {
  const fixtures = [
    { name: 'success', reply: { error: 0, cookie: 7n }, bytes: '67446698 00000000 0000000000000007' },
    { name: 'EPERM', reply: { error: NbdErrno.EPERM, cookie: 0xdeadbeefn }, bytes: '67446698 00000001 00000000deadbeef' },
    { name: 'EINVAL', reply: { error: NbdErrno.EINVAL, cookie: 1n << 63n }, bytes: '67446698 00000016 8000000000000000' },
  ];
  for (const f of fixtures) {
    it(`encodes and decodes ${f.name}`, () => {
      expect(toHex(encodeSimpleReply(f.reply))).toBe(toHex(hex(f.bytes)));
      expect(decodeSimpleReply(hex(f.bytes))).toEqual(f.reply);
    });
  }

  it('writes the header in front of data already in place', () => {
    const target = hex('ffffffffffffffffffffffffffffffff 0102');
    encodeSimpleReplyInto(target, { error: 0, cookie: 7n });
    expect(toHex(target)).toBe('67446698000000000000000000000007' + '0102');
    expect(() => encodeSimpleReplyInto(new Uint8Array(15), { error: 0, cookie: 1n })).toThrow(/needs 16 bytes, target has 15/);
  });

  it('refuses a structured reply magic, which we never negotiate', () => {
    expect(() => decodeSimpleReply(hex('668e33ef 00000000 0000000000000007'))).toThrow(/structured replies are not negotiated/);
  });
});
