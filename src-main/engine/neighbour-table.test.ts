import { describe, expect, it } from 'vitest';
import { parseProcNetArp } from './neighbour-table.ts';

const HEADER = 'IP address       HW type     Flags       HW address            Mask     Device\n';

describe('parseProcNetArp', () => {
  const fixtures: { name: string; text: string; expected: ReturnType<typeof parseProcNetArp> }[] = [
    {
      name: 'complete entries on several devices',
      text:
        HEADER +
        '198.18.0.10      0x1         0x2         52:54:00:12:34:56     *        br-pxe\n' +
        '192.0.2.1        0x1         0x2         02:FC:00:00:00:05     *        eth0\n',
      expected: [
        { ip: '198.18.0.10', mac: '52:54:00:12:34:56', device: 'br-pxe' },
        { ip: '192.0.2.1', mac: '02:fc:00:00:00:05', device: 'eth0' },
      ],
    },
    {
      name: 'an incomplete entry (no reply yet)',
      text: HEADER + '198.18.0.11      0x1         0x0         00:00:00:00:00:00     *        br-pxe\n',
      expected: [],
    },
    {
      name: 'a permanent (static) entry',
      text: HEADER + '198.18.0.12      0x1         0x6         08:00:27:aa:bb:cc     *        br-pxe\n',
      expected: [{ ip: '198.18.0.12', mac: '08:00:27:aa:bb:cc', device: 'br-pxe' }],
    },
    { name: 'only the header', text: HEADER, expected: [] },
    { name: 'nothing at all', text: '', expected: [] },
    {
      name: 'garbage and truncated lines',
      text: HEADER + 'not an address 0x1 0x2 52:54:00:12:34:56 * x\n198.18.0.13 0x1 0x2\n198.18.0.14 0x1 0xZZ 52:54:00:12:34:57 * br0\n999.1.1.1 0x1 0x2 52:54:00:12:34:58 * br0\n198.18.0.15 0x1 0x2 52:54:00:12 * br0\n',
      expected: [],
    },
    {
      name: 'CRLF line ends and tabs',
      text: HEADER.replace('\n', '\r\n') + '198.18.0.16\t0x1\t0x2\t52:54:00:12:34:59\t*\tbr0\r\n',
      expected: [{ ip: '198.18.0.16', mac: '52:54:00:12:34:59', device: 'br0' }],
    },
  ];
  it.each(fixtures)('parses $name', ({ text, expected }) => {
    expect(parseProcNetArp(text)).toEqual(expected);
  });

  it('never throws on mutated input', () => {
    // Seeded xorshift: the same thousands of cases every run.
    let s = 0x9e3779b9;
    const rnd = () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 2 ** 32);
    const base = fixtures[0]!.text;
    for (let i = 0; i < 3000; i++) {
      const chars = [...base];
      for (let m = 0; m < 1 + rnd() * 8; m++) chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(Math.floor(rnd() * 128));
      const out = parseProcNetArp(chars.join(''));
      for (const n of out) expect(n.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    }
  });
});
