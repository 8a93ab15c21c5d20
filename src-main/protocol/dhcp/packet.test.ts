import { describe, expect, it } from 'vitest';
import { ascii, hex, padTo, zeros } from '../../../test/support/hex-bytes.ts';
import { DhcpCodecError } from './dhcp-codec-error.ts';
import { macFromBytes } from '../../shared/mac.ts';
import { decodeDhcpPacket, encodeDhcpPacket, emptyPacket, type DhcpPacket } from './packet.ts';

const VENDOR = 'PXEClient:Arch:00000:UNDI:002001';
const UUID = hex('00112233445566778899aabbccddeeff');

/** A SeaBIOS/iPXE-ROM-style PXE DISCOVER, byte by byte (RFC 2131 figure 1). */
const pxeDiscoverBytes = padTo(hex(
  '01 01 06 00', '12345678', '0004 8000',
  '00000000', '00000000', '00000000', '00000000',
  '525400123456', zeros(10), zeros(64), zeros(128),
  '63825363',
  '35 01 01',
  '39 02 05c0',
  '5d 02 0000',
  '5e 03 010201',
  `3c 20`, ascii(VENDOR),
  '61 11 00', UUID,
  '37 05 01 03 2b 3c 42',
  'ff',
), 300);

function pxeDiscover(): DhcpPacket {
  return {
    ...emptyPacket(1),
    xid: 0x12345678,
    secs: 4,
    flags: 0x8000,
    chaddr: hex('525400123456', zeros(10)),
    options: new Map([
      [53, hex('01')],
      [57, hex('05c0')],
      [93, hex('0000')],
      [94, hex('010201')],
      [60, ascii(VENDOR)],
      [97, hex('00', UUID)],
      [55, hex('01 03 2b 3c 42')],
    ]),
  };
}

/** A reply whose options field says "more in file and sname" (option 52 = 3). */
const overloadedReplyBytes = hex(
  '02 01 06 00', 'cafebabe', '0000 0000',
  '00000000', 'c6120064', 'c6120001', '00000000',
  '525400abcdef', zeros(10),
  // sname: host name option then END
  padTo(hex('0c 04', ascii('pxe1'), 'ff'), 64),
  // file: bootfile name option, a pad byte, END
  padTo(hex('43 0d', ascii('undionly.kpxe'), '00 ff'), 128),
  '63825363',
  '35 01 02', '34 01 03', '36 04 c6120001',
  'ff',
);

describe('DHCP packet codec', () => {
  it('decodes a PXE DISCOVER into header fields and options in wire order', () => {
    const p = decodeDhcpPacket(pxeDiscoverBytes);
    expect(p).toEqual(pxeDiscover());
    expect(macFromBytes(p.chaddr, p.hlen)).toBe('52:54:00:12:34:56');
    expect([...p.options.keys()]).toEqual([53, 57, 93, 94, 60, 97, 55]);
  });

  it('encodes the same DISCOVER back to the identical 300-byte message', () => {
    expect(encodeDhcpPacket(pxeDiscover())).toEqual(pxeDiscoverBytes);
  });

  it('reads options from file then sname when option 52 says they are overloaded', () => {
    const p = decodeDhcpPacket(overloadedReplyBytes);
    expect(p.file).toBe('');
    expect(p.sname).toBe('');
    expect(p.yiaddr).toBe('198.18.0.100');
    expect(p.siaddr).toBe('198.18.0.1');
    expect([...p.options.keys()]).toEqual([53, 52, 54, 67, 12]);
    expect(p.options.get(67)).toEqual(ascii('undionly.kpxe'));
    expect(p.options.get(12)).toEqual(ascii('pxe1'));
  });

  it('keeps sname and file as strings when option 52 is absent', () => {
    const bytes = encodeDhcpPacket({ ...emptyPacket(2), sname: 'boot.example', file: 'ipxe.efi', options: new Map([[53, hex('05')]]) });
    const p = decodeDhcpPacket(bytes);
    expect(p.sname).toBe('boot.example');
    expect(p.file).toBe('ipxe.efi');
    expect(bytes.subarray(44, 56)).toEqual(ascii('boot.example'));
    expect(bytes.subarray(108, 116)).toEqual(ascii('ipxe.efi'));
  });

  it('concatenates repeated instances of one option in order (RFC 3396 §7)', () => {
    const bytes = hex(pxeDiscoverBytes.subarray(0, 240), '35 01 01', '2b 03 060108', '0c 02', ascii('ab'), '2b 02 0a00', 'ff');
    const p = decodeDhcpPacket(bytes);
    expect(p.options.get(43)).toEqual(hex('060108 0a00'));
    expect([...p.options.keys()]).toEqual([53, 43, 12]);
  });

  it('concatenates an option split across the options field and the file field', () => {
    const bytes = hex(
      pxeDiscoverBytes.subarray(0, 108),
      padTo(hex('3c 03', ascii('ent'), 'ff'), 128),
      '63825363', '35 01 01', '34 01 01', '3c 06', ascii('PXECli'), 'ff',
    );
    expect(decodeDhcpPacket(bytes).options.get(60)).toEqual(ascii('PXEClient'));
  });

  it('splits a value longer than 255 bytes into consecutive instances when encoding (RFC 3396 §6)', () => {
    const long = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    const bytes = encodeDhcpPacket({ ...emptyPacket(2), options: new Map([[53, hex('05')], [43, long]]) }, { maxLength: 1500 });
    expect(bytes.subarray(240, 245)).toEqual(hex('35 01 05 2b ff'));
    expect(bytes.subarray(245, 500)).toEqual(long.subarray(0, 255));
    expect(bytes.subarray(500, 502)).toEqual(hex('2b 2d'));
    expect(bytes[547]).toBe(0xff);
    expect(decodeDhcpPacket(bytes).options.get(43)).toEqual(long);
  });

  it('spills options into file and sname with option 52 when they exceed the receiver\'s maximum', () => {
    const options = new Map<number, Uint8Array>([[53, hex('05')]]);
    for (let code = 200; code < 210; code++) options.set(code, new Uint8Array(40).fill(code));
    const bytes = encodeDhcpPacket({ ...emptyPacket(2), options });
    expect(bytes.length).toBe(576);
    expect(bytes.subarray(240, 246)).toEqual(hex('35 01 05 34 01 01'));
    const back = decodeDhcpPacket(bytes);
    expect(back.options.get(52)).toEqual(hex('01'));
    back.options.delete(52);
    expect(back.options).toEqual(options);
  });

  it('refuses to overload when file and sname carry boot information', () => {
    const options = new Map<number, Uint8Array>([[53, hex('05')], [43, new Uint8Array(400)]]);
    expect(() => encodeDhcpPacket({ ...emptyPacket(2), file: 'undionly.kpxe', sname: '198.18.0.1', options })).toThrow(/receiver accepts 576 and file\/sname are in use/);
  });

  it('pads every reply to the 300-byte BOOTP minimum and ends options with END', () => {
    const bytes = encodeDhcpPacket({ ...emptyPacket(2), options: new Map([[53, hex('06')]]) });
    expect(bytes.length).toBe(300);
    expect(bytes.subarray(240, 244)).toEqual(hex('35 01 06 ff'));
  });

  it('skips pad bytes and tolerates a missing END when the last option ends exactly at the end', () => {
    const bytes = hex(pxeDiscoverBytes.subarray(0, 240), '00 00 35 01 03 00 32 04 c6120064');
    const p = decodeDhcpPacket(bytes);
    expect(p.options.get(53)).toEqual(hex('03'));
    expect(p.options.get(50)).toEqual(hex('c6120064'));
  });

  const header = pxeDiscoverBytes.subarray(0, 240);
  const malformed: { name: string; bytes: Uint8Array; message: RegExp; field: string }[] = [
    { name: 'a truncated BOOTP header', bytes: header.subarray(0, 100), message: /truncated BOOTP header: 100 bytes, need at least 236/, field: 'header' },
    { name: 'a BOOTP message without a magic cookie', bytes: header.subarray(0, 238), message: /no DHCP magic cookie/, field: 'cookie' },
    { name: 'a wrong magic cookie', bytes: hex(header.subarray(0, 236), '63825364', 'ff'), message: /magic cookie 0x63825364 at offset 236/, field: 'cookie' },
    { name: 'an op that is neither request nor reply', bytes: hex('03', header.subarray(1), 'ff'), message: /op 3 is neither/, field: 'header' },
    { name: 'an hlen beyond the chaddr field', bytes: hex(header.subarray(0, 2), '11', header.subarray(3), 'ff'), message: /hlen 17 exceeds/, field: 'header' },
    { name: 'an option longer than the packet', bytes: hex(header, '35 01 01 3c 20', ascii('PXE')), message: /option 60 at offset 243 claims 32 bytes but only 3 remain in the options field/, field: 'options' },
    { name: 'an option code without its length byte', bytes: hex(header, '35 01 01 3c'), message: /option 60 at offset 243 has no length byte/, field: 'options' },
    { name: 'option 52 with an invalid value', bytes: hex(header, '34 01 04 ff'), message: /option 52 \(overload\) at offset 240 must be 1 byte with value 1, 2 or 3; got 1 byte\(s\) value 4/, field: 'options' },
    { name: 'option 52 repeated', bytes: hex(header, '34 01 01 34 01 02 ff'), message: /option 52 \(overload\) appears twice/, field: 'options' },
    {
      name: 'option 52 inside the file field (an overload loop)',
      bytes: hex(header.subarray(0, 108), padTo(hex('34 01 03 ff'), 128), '63825363', '34 01 01 ff'),
      message: /option 52 \(overload\) at offset 108 appears inside the file field/, field: 'file',
    },
    {
      name: 'an overloaded sname field whose option overruns it',
      bytes: hex(header.subarray(0, 44), padTo(hex('0c 7f'), 64), zeros(128), '63825363', '34 01 02 ff'),
      message: /option 12 at offset 44 claims 127 bytes but only 62 remain in the sname field/, field: 'sname',
    },
  ];
  for (const c of malformed) {
    it(`rejects ${c.name} with a DhcpCodecError (a RangeError) saying where`, () => {
      let caught: unknown;
      try {
        decodeDhcpPacket(c.bytes);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(DhcpCodecError);
      expect(caught).toBeInstanceOf(RangeError);
      expect((caught as DhcpCodecError).message).toMatch(c.message);
      expect((caught as DhcpCodecError).field).toBe(c.field);
    });
  }

  it('refuses to encode a boot file name that does not fit the 128-byte file field', () => {
    expect(() => encodeDhcpPacket({ ...emptyPacket(2), file: 'x'.repeat(128) })).toThrow(/file "x+…" is 128 characters; the field holds at most 127/);
  });

  it('refuses to encode a header address that is not IPv4', () => {
    expect(() => encodeDhcpPacket({ ...emptyPacket(2), yiaddr: '198.18.0.300' })).toThrow(/yiaddr "198.18.0.300" is not an IPv4 address/);
  });
});
