import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { ipxeArgs, ipxeText, ipxeUrl } from './ipxe-text.ts';

/** What iPXE's exec.c does with a line before expansion: whitespace tokens, first terminator or comment ends the command. */
function ipxeCommandTokens(line: string): { tokens: string[]; terminated: boolean } {
  const tokens = line.split(/\s+/).filter((t) => t !== '');
  const end = tokens.findIndex((t) => t.startsWith('#') || t === '||' || t === '&&' || t === ';');
  return end < 0 ? { tokens, terminated: false } : { tokens: tokens.slice(0, end), terminated: true };
}

describe('ipxeText', () => {
  it('keeps ordinary names as they are', () => {
    expect(ipxeText('Arch Linux 2026.11.01 (x86_64)')).toBe('Arch Linux 2026.11.01 (x86_64)');
  });

  it('defuses terminators and comments by prefixing an empty expansion', () => {
    expect(ipxeText('a ; b || c && d #e f#g')).toBe('a ${bc_nil}; b ${bc_nil}|| c ${bc_nil}&& d ${bc_nil}#e f#g');
  });

  it('breaks ${ so iPXE cannot expand settings from a name', () => {
    expect(ipxeText('x ${net0/ip} $${y}')).toBe('x $ {net0/ip} $$ {y}');
  });

  it('makes one ASCII line, transliterating what it can', () => {
    expect(ipxeText('Ubuntu — “Noble”\nnext\tline é ☃')).toBe('Ubuntu - "Noble" next line e ?');
  });

  it('never starts with a dash, which a command would parse as an option', () => {
    expect(ipxeText('-n --help')).toBe('${bc_nil}-n --help');
  });

  it('gives a placeholder for empty text', () => {
    expect(ipxeText(' \n\t ')).toBe('(unnamed)');
  });

  it('survives random hostile input: no terminator, comment, expansion or newline gets through', () => {
    const rand = seededRandom(20261126);
    const alphabet = ['a', ' ', ';', '|', '&', '#', '$', '{', '}', '\n', '\t', '-', 'é', '\0', '\x1b', '"'];
    for (let n = 0; n < 3000; n++) {
      let s = '';
      const len = Math.floor(rand() * 24);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      for (const out of [ipxeText(s), ipxeArgs(s)]) {
        expect(out, JSON.stringify(s)).not.toMatch(/[\n\r\0]/);
        expect(ipxeCommandTokens(`echo ${out}`).terminated, JSON.stringify(s)).toBe(false);
        // Only our own empty expansion may remain.
        expect(out.replace(/\$\{bc_nil\}/g, ''), JSON.stringify(s)).not.toContain('${');
      }
    }
  });
});

describe('ipxeArgs', () => {
  it('collapses whitespace and keeps quoted kernel parameters as iPXE re-joins them', () => {
    expect(ipxeArgs('quiet   splash\tparam="a b"')).toBe('quiet splash param="a b"');
  });
});

describe('ipxeUrl', () => {
  it('accepts encoded URLs and rejects ones that would split or expand', () => {
    expect(ipxeUrl('http://198.18.0.1/images/a/b%20c')).toBe('http://198.18.0.1/images/a/b%20c');
    for (const bad of ['http://s/a b', 'http://s/${x}', 'http://s/#x', 'no-scheme', 'http://s/\n']) expect(() => ipxeUrl(bad), bad).toThrow(RangeError);
  });
});
