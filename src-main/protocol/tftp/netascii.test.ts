import { describe, expect, it } from 'vitest';
import { decodeNetascii, encodeNetascii } from './netascii.ts';

const enc = (s: string) => Array.from(encodeNetascii(Uint8Array.from(s, (c) => c.charCodeAt(0))));
const codes = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe('netascii', () => {
  it.each([
    ['plain text unchanged', 'abc', 'abc'],
    ['LF becomes CR LF', 'a\nb\n', 'a\r\nb\r\n'],
    ['a bare CR becomes CR NUL', 'a\rb', 'a\r\u0000b'],
    ['CR LF becomes CR NUL CR LF (each byte maps independently)', '\r\n', '\r\u0000\r\n'],
    ['empty stays empty', '', ''],
  ])('encodes %s', (_name, input, output) => {
    expect(enc(input)).toEqual(codes(output));
  });

  it('decodes what it encodes, even when chunks split a CR from its follower', () => {
    const original = Uint8Array.from(codes('line1\nline2\r\nx\ry\n\n'));
    const wire = encodeNetascii(original);
    for (let cut = 0; cut <= wire.length; cut++) {
      const first = decodeNetascii(wire.subarray(0, cut));
      const second = decodeNetascii(wire.subarray(cut), first.pendingCr);
      expect(second.pendingCr).toBe(false);
      expect([...first.bytes, ...second.bytes]).toEqual([...original]);
    }
  });

  it('rejects a CR followed by anything but LF or NUL', () => {
    expect(() => decodeNetascii(Uint8Array.from([0x0d, 0x41]))).toThrow(/CR followed by 0x41/);
  });
});
