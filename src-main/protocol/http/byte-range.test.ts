import { describe, expect, it } from 'vitest';
import { parseByteRange, type ByteRange } from './byte-range.ts';

const cases: Array<[header: string | undefined, size: number, expected: ByteRange]> = [
  [undefined, 100, { kind: 'none' }],
  ['bytes=0-9', 100, { kind: 'range', start: 0, end: 9 }],
  ['bytes=90-', 100, { kind: 'range', start: 90, end: 99 }],
  ['bytes=90-1000', 100, { kind: 'range', start: 90, end: 99 }],
  ['bytes=-10', 100, { kind: 'range', start: 90, end: 99 }],
  ['bytes=-1000', 100, { kind: 'range', start: 0, end: 99 }],
  ['Bytes = 5 - 5 ', 100, { kind: 'range', start: 5, end: 5 }],
  ['bytes=99-99', 100, { kind: 'range', start: 99, end: 99 }],
  ['bytes=100-', 100, { kind: 'unsatisfiable' }],
  ['bytes=100-200', 100, { kind: 'unsatisfiable' }],
  ['bytes=-0', 100, { kind: 'unsatisfiable' }],
  ['bytes=0-', 0, { kind: 'unsatisfiable' }],
  ['bytes=-5', 0, { kind: 'unsatisfiable' }],
  ['bytes=9-0', 100, { kind: 'none' }],
  ['bytes=0-1,5-6', 100, { kind: 'none' }],
  ['bytes=-', 100, { kind: 'none' }],
  ['bytes=a-b', 100, { kind: 'none' }],
  ['items=0-1', 100, { kind: 'none' }],
  ['bytes=1e3-', 100000, { kind: 'none' }],
  ['bytes=0-9999999999999999999', 100, { kind: 'none' }],
  ['bytes=1073741824-1073741825', 2 ** 31, { kind: 'range', start: 1073741824, end: 1073741825 }],
];

describe('parseByteRange', () => {
  it.each(cases)('reads %j against a %d-byte file', (header, size, expected) => {
    expect(parseByteRange(header, size)).toEqual(expected);
  });
});
