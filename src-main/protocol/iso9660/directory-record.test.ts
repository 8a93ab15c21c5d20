import { describe, expect, it } from 'vitest';
import { ascii, encodeRecord, shortDateBytes, ucs2, type RecordSpec } from '../../../test/support/iso9660-encoders.ts';
import { FLAG_DIRECTORY, FLAG_MULTI_EXTENT, parseDirectoryExtent, parseDirectoryRecord, stripVersion } from './directory-record.ts';
import { IsoFormatError } from './iso-format-error.ts';

const cases: { what: string; spec: RecordSpec; joliet?: boolean; expect: Record<string, unknown> }[] = [
  { what: 'a file with version suffix', spec: { sector: 30, length: 1234, id: ascii('README.TXT;1') }, expect: { name: 'README.TXT', extentSector: 30, dataLength: 1234, isDirectory: false, special: null } },
  { what: 'a directory (odd-length name, no pad byte)', spec: { sector: 21, length: 4096, flags: FLAG_DIRECTORY, id: ascii('BOOT') , systemUse: [] }, expect: { name: 'BOOT', isDirectory: true, dataLength: 4096 } },
  { what: '"." of a directory', spec: { sector: 21, length: 2048, flags: FLAG_DIRECTORY, id: [0] }, expect: { name: '.', special: 'self' } },
  { what: '".." of a directory', spec: { sector: 20, length: 2048, flags: FLAG_DIRECTORY, id: [1] }, expect: { name: '..', special: 'parent' } },
  { what: 'a name without extension ("EMPTY.;1")', spec: { sector: 0, length: 0, id: ascii('EMPTY.;1') }, expect: { name: 'EMPTY' } },
  { what: 'a multi-extent part', spec: { sector: 40, length: 0xfffff800, flags: FLAG_MULTI_EXTENT, id: ascii('BIG.IMG;1') }, expect: { flags: FLAG_MULTI_EXTENT, dataLength: 0xfffff800 } },
  { what: 'a Joliet name in UCS-2', spec: { sector: 50, length: 3, id: ucs2('Grüße.txt;1') }, joliet: true, expect: { name: 'Grüße.txt' } },
  { what: 'an interleaved file', spec: { sector: 50, length: 3, id: ascii('I;1'), unitSize: 2 }, expect: { interleaved: true } },
];

describe('directory records (ECMA-119 §9.1)', () => {
  it.each(cases)('decodes $what', ({ spec, joliet, expect: want }) => {
    const bytes = encodeRecord(spec);
    const rec = parseDirectoryRecord(bytes, 0, { joliet: joliet ?? false });
    expect(rec).toMatchObject({ length: bytes.length, ...want });
  });

  it('finds the system use area after the identifier and its pad byte', () => {
    const even = parseDirectoryRecord(encodeRecord({ sector: 1, length: 1, id: ascii('AB'), systemUse: [9, 8, 7] }), 0, { joliet: false });
    const odd = parseDirectoryRecord(encodeRecord({ sector: 1, length: 1, id: ascii('ABC'), systemUse: [9, 8, 7] }), 0, { joliet: false });
    expect([...even.systemUse]).toEqual([9, 8, 7]);
    expect([...odd.systemUse]).toEqual([9, 8, 7]);
  });

  it('decodes the recording date', () => {
    const rec = parseDirectoryRecord(encodeRecord({ sector: 1, length: 1, id: ascii('A'), date: shortDateBytes({ y: 2020, mo: 1, d: 2, h: 3, mi: 4, s: 5, tz: 0 }) }), 0, { joliet: false });
    expect(rec.recorded?.toISOString()).toBe('2020-01-02T03:04:05.000Z');
  });

  it.each([
    ['a length too short for the header', (b: Uint8Array): void => void (b[0] = 20), /length 20 cannot hold/],
    ['a name longer than the record', (b: Uint8Array): void => void (b[32] = 200), /cannot hold its 200-byte name/],
    ['an extended attribute record', (b: Uint8Array): void => void (b[1] = 1), /extended attribute record/],
  ] as const)('rejects %s', (_what, edit, message) => {
    const b = encodeRecord({ sector: 1, length: 1, id: ascii('FILE.TXT;1') });
    edit(b);
    expect(() => parseDirectoryRecord(b, 0, { joliet: false, imageOffset: 4096 })).toThrow(message);
  });

  it('reports a record cut short with its image offset', () => {
    const b = encodeRecord({ sector: 1, length: 1, id: ascii('FILE.TXT;1') }).subarray(0, 30);
    const err = (() => {
      try {
        parseDirectoryRecord(b, 0, { joliet: false, imageOffset: 4096 });
      } catch (e) {
        return e;
      }
    })() as IsoFormatError;
    expect(err).toBeInstanceOf(IsoFormatError);
    expect(err).toBeInstanceOf(RangeError);
    expect(err.problem).toBe('truncated');
    expect(err.offset).toBe(4096);
  });
});

describe('directory extents', () => {
  it('skips the zero padding at the end of a sector and continues in the next', () => {
    const extent = new Uint8Array(4096);
    const a = encodeRecord({ sector: 20, length: 2048, flags: FLAG_DIRECTORY, id: [0] });
    const b = encodeRecord({ sector: 30, length: 5, id: ascii('A.TXT;1') });
    const c = encodeRecord({ sector: 31, length: 6, id: ascii('B.TXT;1') });
    extent.set(a, 0);
    extent.set(b, a.length);
    extent.set(c, 2048);
    const recs = parseDirectoryExtent(extent, { joliet: false });
    expect(recs.map((r) => [r.name, r.at])).toEqual([['.', 0], ['A.TXT', a.length], ['B.TXT', 2048]]);
  });

  it('rejects a record that crosses into the next sector', () => {
    const extent = new Uint8Array(4096);
    const long = encodeRecord({ sector: 30, length: 5, id: ascii('N'.repeat(199)) }); // 233 bytes
    for (let i = 0; i < 9; i++) extent.set(long, i * long.length); // the 9th ends at 2097
    expect(() => parseDirectoryExtent(extent, { joliet: false })).toThrow(/crosses the end of its sector/);
  });

  it('strips versions and the lone trailing dot only', () => {
    expect(['A.B;1', 'A.;1', 'A', '.', 'X;'].map(stripVersion)).toEqual(['A.B', 'A', 'A', '.', 'X']);
  });
});
