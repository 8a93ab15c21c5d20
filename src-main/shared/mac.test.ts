import { describe, expect, it } from 'vitest';
import { macFromBytes, normalizeMac } from './mac.ts';

describe('MAC spelling', () => {
  it.each([
    ['52:54:00:12:34:56', '52:54:00:12:34:56'],
    ['52:54:00:AB:cd:EF', '52:54:00:ab:cd:ef'],
    ['52-54-00-ab-cd-ef', '52:54:00:ab:cd:ef'],
    ['5254.00ab.cdef', '52:54:00:ab:cd:ef'],
    ['525400abcdef', '52:54:00:ab:cd:ef'],
    [' 52:54:00:ab:cd:ef ', '52:54:00:ab:cd:ef'],
    ['52:54:00:12:34', undefined],
    ['xx:54:00:12:34:56', undefined],
    ['', undefined],
    [42, undefined],
    [undefined, undefined],
  ])('reads %j as %s', (raw, expected) => {
    expect(normalizeMac(raw)).toBe(expected);
  });

  it('spells chaddr bytes up to hlen', () => {
    expect(macFromBytes(Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56, 0, 0), 6)).toBe('52:54:00:12:34:56');
    expect(macFromBytes(new Uint8Array(16), 20)).toHaveLength(16 * 3 - 1);
  });
});
