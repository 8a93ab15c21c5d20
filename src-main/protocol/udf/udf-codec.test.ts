import { describe, expect, it } from 'vitest';
import { decodeCs0, decodeDstring } from './cs0.ts';
import { parseFileIdentifiers } from './file-entry.ts';
import { crcItu, parseTag, tagChecksum } from './tag.ts';
import { UdfFormatError } from './udf-format-error.ts';

function sealed(body: number[], id: number, location: number): Uint8Array {
  const b = new Uint8Array(16 + body.length);
  const v = new DataView(b.buffer);
  v.setUint16(0, id, true);
  v.setUint16(2, 3, true);
  v.setUint16(10, body.length, true);
  v.setUint32(12, location, true);
  b.set(body, 16);
  v.setUint16(8, crcItu(b.subarray(16)), true);
  b[4] = tagChecksum(b);
  return b;
}

describe('descriptor tags', () => {
  it('computes CRC-ITU-T as ECMA-167 1/7.2.6 specifies (check value of "123456789")', () => {
    expect(crcItu(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });

  it('accepts a sealed tag and names each way a tag can be wrong', () => {
    const t = sealed([1, 2, 3, 4], 261, 77);
    expect(parseTag(t, { id: 261, location: 77, what: 'x' })).toMatchObject({ id: 261, location: 77, crcLength: 4 });
    expect(() => parseTag(t, { id: 257, what: 'x' })).toThrow(/found descriptor type 261, expected 257/);
    expect(() => parseTag(t, { location: 78, what: 'x' })).toThrow(/at block 77, but was read from block 78/);
    const bad = t.slice();
    bad[17] = bad[17]! ^ 1;
    expect(() => parseTag(bad, { what: 'x' })).toThrow(/CRC is wrong/);
    bad[0] = bad[0]! ^ 1;
    expect(() => parseTag(bad, { what: 'x' })).toThrow(/checksum is wrong/);
    expect(() => parseTag(t.subarray(0, 10), { what: 'x' })).toThrow(UdfFormatError);
  });
});

describe('OSTA compressed Unicode', () => {
  it('decodes 8-bit and 16-bit names, surrogate pairs included', () => {
    expect(decodeCs0(new Uint8Array([8, 0x61, 0xe9]))).toBe('aé');
    expect(decodeCs0(new Uint8Array([16, 0x65, 0xe5, 0x00, 0x41, 0xd8, 0x3d, 0xde, 0x00]))).toBe('日A😀');
    expect(() => decodeCs0(new Uint8Array([16, 0x00]))).toThrow(/odd length/);
    expect(() => decodeCs0(new Uint8Array([3, 0x41]))).toThrow(/compression id 3/);
  });

  it('reads a dstring up to the length in its last byte', () => {
    const f = new Uint8Array(32);
    f.set([8, 0x57, 0x49, 0x4e]);
    f[31] = 4;
    expect(decodeDstring(f)).toBe('WIN');
    f[31] = 40;
    expect(() => decodeDstring(f)).toThrow(/claims 40 bytes/);
  });
});

describe('file identifier descriptors', () => {
  it('refuses one that runs past the directory instead of reading beyond it', () => {
    const fid = sealed([...new Array(22).fill(0)], 257, 0);
    fid[19] = 200; // L_FI far beyond the 38-byte descriptor
    expect(() => parseFileIdentifiers(fid, 'dir')).toThrow(/runs past the directory's end/);
  });
});
