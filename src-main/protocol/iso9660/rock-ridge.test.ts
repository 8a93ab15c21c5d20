import { describe, expect, it } from 'vitest';
import { cl, nm, px, re, sl, susp } from '../../../test/support/iso9660-encoders.ts';
import { readRockRidge, MAX_RR_NAME } from './rock-ridge.ts';
import { parseSuspArea } from './susp.ts';

const rr = (...entries: number[][]) => readRockRidge(parseSuspArea(new Uint8Array(entries.flat())).entries);

describe('Rock Ridge (RRIP 1.12)', () => {
  it.each([
    { what: 'NM name', entries: [nm(0, 'grub.cfg')], want: { name: 'grub.cfg' } },
    { what: 'NM name split over CONTINUE entries', entries: [nm(1, 'a-very-'), nm(1, 'long-'), nm(0, 'name')], want: { name: 'a-very-long-name' } },
    { what: 'UTF-8 NM name', entries: [nm(0, 'Grüße-日本語')], want: { name: 'Grüße-日本語' } },
    { what: 'PX mode, links, owner', entries: [px(0o100755, 2, 1000, 100)], want: { mode: 0o100755, nlink: 2, uid: 1000, gid: 100 } },
    { what: 'relative SL target', entries: [sl([{ flags: 0, text: 'level1' }, { flags: 0, text: 'level2' }])], want: { symlinkTarget: 'level1/level2' } },
    { what: 'absolute SL target', entries: [sl([{ flags: 8 }, { flags: 0, text: 'usr' }, { flags: 0, text: 'bin' }])], want: { symlinkTarget: '/usr/bin' } },
    { what: 'SL to the root', entries: [sl([{ flags: 8 }])], want: { symlinkTarget: '/' } },
    { what: 'SL with PARENT', entries: [sl([{ flags: 4 }, { flags: 0, text: 'x' }])], want: { symlinkTarget: '../x' } },
    { what: 'SL with CURRENT', entries: [sl([{ flags: 2 }, { flags: 0, text: 'x' }])], want: { symlinkTarget: './x' } },
    { what: 'SL component continued in the next component', entries: [sl([{ flags: 1, text: 'lo' }, { flags: 0, text: 'ng' }, { flags: 0, text: 'b' }])], want: { symlinkTarget: 'long/b' } },
    { what: 'SL split over two entries', entries: [sl([{ flags: 0, text: 'a' }], 1), sl([{ flags: 0, text: 'b' }])], want: { symlinkTarget: 'a/b' } },
    { what: 'CL child link', entries: [cl(4321)], want: { childLinkSector: 4321 } },
    { what: 'RE relocated marker', entries: [re()], want: { relocated: true } },
    { what: 'ZF compression marker', entries: [susp('ZF', [0x70, 0x7a, 2, 15, 0, 0, 0, 0, 0, 0, 0, 0])], want: { zisofs: true } },
  ])('reads $what', ({ entries, want }) => {
    expect(rr(...entries)).toEqual(want);
  });

  it('ignores the NM of "." and ".." (CURRENT / PARENT flags)', () => {
    expect(rr(nm(2, ''), nm(0, 'real')).name).toBe('real');
  });

  it('reads the modification time from TF, short and long form', () => {
    const short = susp('TF', [0x02, 120, 5, 6, 7, 8, 9, 0]);
    expect(rr(short).modified?.toISOString()).toBe('2020-05-06T07:08:09.000Z');
    const long = susp('TF', [0x83, ...Buffer.from('2019010203040500'), 0, ...Buffer.from('2020050607080900'), 0]);
    expect(rr(long).modified?.toISOString()).toBe('2020-05-06T07:08:09.000Z');
  });

  it(`refuses names longer than ${MAX_RR_NAME} bytes`, () => {
    const parts = Array.from({ length: 20 }, () => nm(1, 'x'.repeat(240)));
    expect(() => rr(...parts)).toThrow(/longer than 4096 bytes/);
  });

  it('rejects an SL component running past its entry', () => {
    const bad = susp('SL', [0, 0, 50, 0x41]);
    expect(() => rr(bad)).toThrow(/SL component of 50 bytes runs past its entry/);
  });
});
