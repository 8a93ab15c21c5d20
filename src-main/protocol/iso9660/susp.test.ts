import { describe, expect, it } from 'vitest';
import { ce, nm, px, sp, st, susp } from '../../../test/support/iso9660-encoders.ts';
import { parseSuspArea } from './susp.ts';

describe('SUSP areas (IEEE P1281)', () => {
  it('splits an area into entries with signature, version and payload', () => {
    const area = parseSuspArea(new Uint8Array([...nm(0, 'hello'), ...px(0o100644, 1, 0, 0)]));
    expect(area.entries.map((e) => [e.signature, e.version, e.data.length])).toEqual([['NM', 1, 6], ['PX', 1, 32]]);
    expect(area.continuation).toBeUndefined();
  });

  it('reads SP (the skip length) and CE (where the entries continue)', () => {
    const area = parseSuspArea(new Uint8Array([...sp(3), ...ce(1234, 100, 64)]));
    expect(area.sp).toEqual({ skip: 3 });
    expect(area.continuation).toEqual({ sector: 1234, offset: 100, length: 64 });
    expect(area.entries).toEqual([]);
  });

  it('skips LEN_SKP bytes, drops PD padding and stops at ST', () => {
    const bytes = new Uint8Array([0xaa, 0xbb, ...susp('PD', [0, 0]), ...nm(0, 'a'), ...st(), ...nm(0, 'ignored')]);
    const area = parseSuspArea(bytes, 2);
    expect(area.entries.map((e) => e.signature)).toEqual(['NM']);
  });

  it('ends at zero padding', () => {
    expect(parseSuspArea(new Uint8Array([...nm(0, 'a'), 0, 0, 0, 0, 0])).entries).toHaveLength(1);
  });

  it.each([
    ['an entry shorter than its header', [0x4e, 0x4d, 2, 1, 0, 0], /has length 2 \(minimum 4\)/],
    ['an entry running past the area', [0x4e, 0x4d, 200, 1, 0, 0], /"NM" of 200 bytes runs past its area \(6 bytes left\)/],
    ['a CE entry too short for its fields', susp('CE', [1, 2, 3]), /CE entry of 7 bytes \(needs 28\)/],
    ['a binary signature, printed in hex', [0x01, 0xff, 3, 1], /"0x01ff" has length 3/],
  ] as const)('rejects %s with a RangeError naming the limit', (_what, bytes, message) => {
    expect(() => parseSuspArea(new Uint8Array(bytes), 0, 8000)).toThrow(message);
    expect(() => parseSuspArea(new Uint8Array(bytes))).toThrow(RangeError);
  });
});
