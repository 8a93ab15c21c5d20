import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import { decodeTftpPacket, encodeDataHeader, encodeTftpPacket, TftpPacketError, type TftpPacket } from './tftp-packet.ts';

/** Hex with spaces and "quoted ascii" segments, so fixtures read like a packet dump. */
function bytes(spec: string): Uint8Array {
  const out: number[] = [];
  for (const token of spec.match(/"[^"]*"|\S+/g) ?? []) {
    if (token.startsWith('"')) for (const ch of token.slice(1, -1)) out.push(ch.charCodeAt(0));
    else out.push(parseInt(token, 16));
  }
  return Uint8Array.from(out);
}

const fixtures: Array<[name: string, wire: string, packet: TftpPacket]> = [
  ['a plain RRQ (RFC 1350)', '00 01 "pxelinux.0" 00 "octet" 00', { op: 'RRQ', filename: 'pxelinux.0', mode: 'octet', options: [] }],
  ['a netascii RRQ', '00 01 "a.txt" 00 "netascii" 00', { op: 'RRQ', filename: 'a.txt', mode: 'netascii', options: [] }],
  [
    'an RRQ with blksize, tsize and windowsize as iPXE and atftp send them',
    '00 01 "boot/x.efi" 00 "octet" 00 "blksize" 00 "1468" 00 "tsize" 00 "0" 00 "windowsize" 00 "16" 00',
    { op: 'RRQ', filename: 'boot/x.efi', mode: 'octet', options: [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: '0' }, { name: 'windowsize', value: '16' }] },
  ],
  ['a WRQ', '00 02 "up.bin" 00 "octet" 00', { op: 'WRQ', filename: 'up.bin', mode: 'octet', options: [] }],
  ['DATA block 1 with 3 bytes', '00 03 00 01 61 62 63', { op: 'DATA', block: 1, data: bytes('61 62 63') }],
  ['the empty final DATA block after rollover to 0', '00 03 00 00', { op: 'DATA', block: 0, data: new Uint8Array(0) }],
  ['ACK 0 (acknowledges an OACK)', '00 04 00 00', { op: 'ACK', block: 0 }],
  ['ACK 65535', '00 04 ff ff', { op: 'ACK', block: 65535 }],
  ['ERROR 1 file not found', '00 05 00 01 "File not found" 00', { op: 'ERROR', code: 1, message: 'File not found' }],
  ['ERROR 8 after an OACK (tsize probe)', '00 05 00 08 00', { op: 'ERROR', code: 8, message: '' }],
  ['an OACK', '00 06 "blksize" 00 "1468" 00 "tsize" 00 "41943040" 00', { op: 'OACK', options: [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: '41943040' }] }],
  ['an empty OACK', '00 06', { op: 'OACK', options: [] }],
];

describe('TFTP packet codec', () => {
  it.each(fixtures)('decodes %s', (_name, wire, packet) => {
    expect(decodeTftpPacket(bytes(wire))).toEqual(packet);
  });

  it.each(fixtures)('encodes %s', (_name, wire, packet) => {
    expect(encodeTftpPacket(packet)).toEqual(bytes(wire));
  });

  it('decodes an RRQ padded with NUL bytes after the last option, as some PXE ROMs send', () => {
    expect(decodeTftpPacket(bytes('00 01 "f" 00 "octet" 00 "tsize" 00 "0" 00 00 00 00'))).toEqual({
      op: 'RRQ', filename: 'f', mode: 'octet', options: [{ name: 'tsize', value: '0' }],
    });
  });

  it('decodes an ERROR whose message lacks the final NUL', () => {
    expect(decodeTftpPacket(bytes('00 05 00 00 "bye"'))).toEqual({ op: 'ERROR', code: 0, message: 'bye' });
  });

  it('builds the same DATA header alone as in a whole packet', () => {
    expect(encodeDataHeader(0x1234)).toEqual(bytes('00 03 12 34'));
  });

  const malformed: Array<[name: string, wire: string, message: RegExp]> = [
    ['shorter than 4 bytes', '00 04 00', /shorter than the 4-byte minimum/],
    ['an unknown opcode', '00 09 00 00', /unknown TFTP opcode 9/],
    ['opcode 0', '00 00 00 00', /unknown TFTP opcode 0/],
    ['an RRQ whose filename is not terminated', '00 01 "abc"', /not NUL-terminated/],
    ['an RRQ without a mode', '00 01 "abc" 00', /2 required strings/],
    ['an RRQ with an empty filename', '00 01 00 "octet" 00', /empty filename/],
    ['an RRQ with an empty mode', '00 01 "f" 00 00 "x" 00', /empty transfer mode/],
    ['an RRQ whose option has no value', '00 01 "f" 00 "octet" 00 "blksize" 00', /has no value/],
    ['an RRQ whose option value is unterminated', '00 01 "f" 00 "octet" 00 "blksize" 00 "14"', /not NUL-terminated/],
    ['an RRQ with invalid UTF-8', '00 01 ff fe 00 "octet" 00', /not valid UTF-8/],
    ['an ACK with trailing bytes', '00 04 00 01 00', /exactly 4/],
    ['an ERROR with bytes after the terminator', '00 05 00 01 "x" 00 "y"', /after its message terminator/],
  ];

  it.each(malformed)('rejects %s with a TftpPacketError', (_name, wire, message) => {
    expect(() => decodeTftpPacket(bytes(wire))).toThrow(TftpPacketError);
    expect(() => decodeTftpPacket(bytes(wire))).toThrow(message);
  });

  it('rejects DATA larger than the RFC 2348 maximum as a RangeError naming the limit', () => {
    const packet = new Uint8Array(4 + 65465);
    packet[1] = 3;
    expect(() => decodeTftpPacket(packet)).toThrow(RangeError);
    expect(() => decodeTftpPacket(packet)).toThrow(/65464/);
  });

  it('refuses to encode block numbers outside 16 bits and strings containing NUL', () => {
    expect(() => encodeTftpPacket({ op: 'ACK', block: 65536 })).toThrow(/outside 0..65535/);
    expect(() => encodeTftpPacket({ op: 'DATA', block: -1, data: new Uint8Array() })).toThrow(/outside 0..65535/);
    expect(() => encodeTftpPacket({ op: 'ERROR', code: 1, message: 'a\u0000b' })).toThrow(/NUL/);
    expect(() => encodeTftpPacket({ op: 'RRQ', filename: '', mode: 'octet', options: [] })).toThrow(/empty filename/);
  });
});

describe('TFTP codec fuzzing', () => {
  it('either decodes or throws TftpPacketError for 20,000 mutated packets, and re-encodes what it decodes to bytes that decode the same', () => {
    // Seeded, so a failure reproduces.
    const random = seededRandom(0x9e3779b9);
    const seeds = fixtures.map(([, wire]) => bytes(wire));
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = seeds[Math.floor(random() * seeds.length)]!;
      let mutated = Uint8Array.from(base);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const kind = random();
        if (kind < 0.4 && mutated.length > 0) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        else if (kind < 0.6) mutated = mutated.subarray(0, Math.floor(random() * (mutated.length + 1)));
        else if (kind < 0.8) {
          const at = Math.floor(random() * (mutated.length + 1));
          const insert = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () => (random() < 0.3 ? 0 : Math.floor(random() * 256)));
          const next = new Uint8Array(mutated.length + insert.length);
          next.set(mutated.subarray(0, at));
          next.set(insert, at);
          next.set(mutated.subarray(at), at + insert.length);
          mutated = next;
        } else if (mutated.length >= 2) mutated[1] = Math.floor(random() * 8);
      }
      let packet: TftpPacket;
      try {
        packet = decodeTftpPacket(mutated);
      } catch (err) {
        expect(err).toBeInstanceOf(TftpPacketError);
        rejected++;
        continue;
      }
      decoded++;
      expect(decodeTftpPacket(encodeTftpPacket(packet))).toEqual(packet);
    }
    // Both branches must actually be exercised for the fuzz to mean anything.
    expect(decoded).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });
});
