import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.ts';
import { DnsCodecError, decodeDnsHeader, encodeDnsHeader, encodeDnsName, encodeDnsQuery, readDnsName, readFirstQuestion, withDnsId, type DnsHeader } from './dns-message.ts';

const base: DnsHeader = { id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, rcode: 0, qdcount: 0, ancount: 0, nscount: 0, arcount: 0 };

const headers: { name: string; header: DnsHeader; bytes: number[] }[] = [
  { name: 'a recursive query', header: { ...base, id: 0xbeef, rd: true, qdcount: 1 }, bytes: [0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] },
  {
    name: 'an authoritative NXDOMAIN response with counts',
    header: { ...base, id: 1, qr: true, aa: true, rd: true, ra: true, rcode: 3, qdcount: 1, ancount: 0, nscount: 1, arcount: 1 },
    bytes: [0, 1, 0x85, 0x83, 0, 1, 0, 0, 0, 1, 0, 1],
  },
  { name: 'a truncated response', header: { ...base, id: 0xffff, qr: true, tc: true, qdcount: 1, ancount: 2 }, bytes: [0xff, 0xff, 0x82, 0x00, 0, 1, 0, 2, 0, 0, 0, 0] },
  { name: 'a NOTIFY (opcode 4)', header: { ...base, id: 2, opcode: 4, aa: true, qdcount: 1 }, bytes: [0, 2, 0x24, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] },
];

describe('DNS header', () => {
  for (const { name, header, bytes } of headers) {
    it(`encodes and decodes ${name}`, () => {
      expect([...encodeDnsHeader(header)]).toEqual(bytes);
      expect(decodeDnsHeader(Uint8Array.from(bytes))).toEqual(header);
    });
  }

  it('rejects a message shorter than the header with the limit in the message', () => {
    expect(() => decodeDnsHeader(new Uint8Array(11))).toThrow(new DnsCodecError('DNS message of 11 bytes is shorter than the 12-byte header', 0));
  });

  it('refuses header fields outside their ranges', () => {
    expect(() => encodeDnsHeader({ ...base, opcode: 16 })).toThrow(RangeError);
    expect(() => encodeDnsHeader({ ...base, id: 0x10000 })).toThrow(/0\.\.65535/);
  });
});

describe('DNS names and questions', () => {
  it('reads a query question, lower-casing the name', () => {
    const q = encodeDnsQuery(7, 'Deb.Debian.ORG', 28);
    expect(readFirstQuestion(q)).toEqual({ name: 'deb.debian.org', type: 28, class: 1, end: q.length });
  });

  it('follows backward compression pointers', () => {
    // "example.org" at 12, then "www" + pointer to 12 at 25.
    const bytes = Uint8Array.from([...new Array(12).fill(0), 7, ...'example'.split('').map((c) => c.charCodeAt(0)), 3, 111, 114, 103, 0, 3, 119, 119, 119, 0xc0, 12]);
    expect(readDnsName(bytes, 25)).toEqual({ name: 'www.example.org', end: 31 });
  });

  it('escapes dots and control bytes inside labels so distinct names stay distinct', () => {
    const bytes = Uint8Array.from([3, 0x61, 0x2e, 0x01, 0]);
    expect(readDnsName(bytes, 0).name).toBe('a\\046\\001');
  });

  const bad: { name: string; bytes: number[]; at: number; error: RegExp }[] = [
    { name: 'a pointer to itself', bytes: [0xc0, 0], at: 0, error: /does not point backwards/ },
    { name: 'a forward pointer', bytes: [0, 0xc0, 5, 1, 0x61, 0], at: 1, error: /does not point backwards/ },
    { name: 'a pointer loop through two labels', bytes: [1, 0x61, 0xc0, 4, 1, 0x62, 0xc0, 0], at: 4, error: /does not point backwards/ },
    { name: 'a label past the end', bytes: [5, 0x61], at: 0, error: /past the end/ },
    { name: 'a missing terminator', bytes: [1, 0x61], at: 0, error: /past the end/ },
    { name: 'an extended label type', bytes: [0x41, 0], at: 0, error: /label type 0x40/ },
    { name: 'a 64-octet label (length byte 0x40 is a label type)', bytes: [64, ...new Array(64).fill(0x61), 0], at: 0, error: /label type 0x40/ },
    { name: 'a 256-octet name', bytes: [...new Array(5).fill([50, ...new Array(50).fill(0x61)]).flat(), 3, 0x61, 0x61, 0x61, 0], at: 0, error: /exceeds 255/ },
  ];
  for (const { name, bytes, at, error } of bad) {
    it(`rejects ${name}`, () => {
      expect(() => readDnsName(Uint8Array.from(bytes), at)).toThrow(error);
      expect(() => readDnsName(Uint8Array.from(bytes), at)).toThrow(DnsCodecError);
    });
  }

  it('encodes names label by label and refuses oversize ones', () => {
    expect([...encodeDnsName('a.bc.')]).toEqual([1, 0x61, 2, 0x62, 0x63, 0]);
    expect([...encodeDnsName('')]).toEqual([0]);
    expect(() => encodeDnsName('x'.repeat(64))).toThrow(DnsCodecError);
  });

  it('rewrites only the ID, on a copy', () => {
    const q = encodeDnsQuery(1, 'a.example');
    const r = withDnsId(q, 0xabcd);
    expect([...r.subarray(0, 2)]).toEqual([0xab, 0xcd]);
    expect([...r.subarray(2)]).toEqual([...q.subarray(2)]);
    expect(q[0]).toBe(0);
  });
});

describe('DNS codec fuzzing', () => {
  it('throws nothing but DnsCodecError on 30 000 mutated messages', () => {
    const rnd = seededRandom(0xd0d5);
    const seeds = [encodeDnsQuery(1, 'deb.debian.org'), encodeDnsQuery(2, 'a.b.c.d.e.f.example', 28), Uint8Array.from([0, 3, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 198, 18, 0, 1])];
    let parsed = 0;
    for (let i = 0; i < 30_000; i++) {
      const bytes = seeds[i % seeds.length]!.slice();
      const mutated = (() => {
        switch (Math.floor(rnd() * 4)) {
          case 0: for (let k = 0; k < 1 + rnd() * 4; k++) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256); return bytes;
          case 1: return bytes.subarray(0, Math.floor(rnd() * bytes.length));
          case 2: return Uint8Array.from([...bytes, ...Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256))]);
          default: { const at = 12 + Math.floor(rnd() * (bytes.length - 12)); bytes[at] = 0xc0 | Math.floor(rnd() * 4); return bytes; }
        }
      })();
      try {
        decodeDnsHeader(mutated);
        readFirstQuestion(mutated);
        parsed++;
      } catch (err) {
        if (!(err instanceof DnsCodecError)) throw new Error(`case ${i}: ${String(err)} for ${[...mutated].join(',')}`);
      }
    }
    expect(parsed).toBeGreaterThan(1000);
  });
});
