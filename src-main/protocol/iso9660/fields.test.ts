import { describe, expect, it } from 'vitest';
import { aString, both32, longDate, shortDate, stripTrailing, ucs2String } from './fields.ts';
import { ascii, both32 as encodeBoth32, shortDateBytes, ucs2 } from '../../../test/support/iso9660-encoders.ts';

describe('ECMA-119 field encodings', () => {
  it.each([0, 1, 2048, 0x12345678, 0xffffffff])('reads the both-endian 32-bit value %i from its little-endian half', (v) => {
    expect(both32(new Uint8Array(encodeBoth32(v)), 0)).toBe(v);
  });

  const dates = [
    { bytes: { y: 2024, mo: 2, d: 29, h: 23, mi: 59, s: 58, tz: 0 }, iso: '2024-02-29T23:59:58.000Z' },
    { bytes: { y: 2021, mo: 2, d: 7, h: 18, mi: 25, s: 50, tz: 4 }, iso: '2021-02-07T17:25:50.000Z' }, // GMT+1
    { bytes: { y: 1999, mo: 12, d: 31, h: 20, mi: 0, s: 0, tz: -20 }, iso: '2000-01-01T01:00:00.000Z' }, // GMT-5
  ];
  it.each(dates)('decodes the 7-byte recording date $iso', ({ bytes, iso }) => {
    expect(shortDate(new Uint8Array(shortDateBytes(bytes)), 0)?.toISOString()).toBe(iso);
  });

  it('treats an all-zero recording date as absent', () => {
    expect(shortDate(new Uint8Array(7), 0)).toBeUndefined();
  });

  it('decodes the 17-byte descriptor date, and "0000…" as absent', () => {
    expect(longDate(new Uint8Array([...ascii('2021020718255000'), 4]), 0)?.toISOString()).toBe('2021-02-07T17:25:50.000Z');
    expect(longDate(new Uint8Array([...ascii('0000000000000000'), 0]), 0)).toBeUndefined();
    expect(longDate(new Uint8Array([...ascii('20xx020718255000'), 0]), 0)).toBeUndefined();
  });

  it('trims the padding of a-characters and Joliet UCS-2 strings', () => {
    expect(aString(new Uint8Array(ascii('CDROM   ')), 0, 8)).toBe('CDROM');
    expect(ucs2String(new Uint8Array([...ucs2('Grüße'), 0, 0, 0, 0x20]), 0, 14)).toBe('Grüße');
  });

  it('keeps interior spaces', () => {
    expect(stripTrailing('A B  ')).toBe('A B');
  });
});
