import { describe, expect, it } from 'vitest';
import { commandNeighbourSource, parseBsdArp, parseProcNetArp, parseWindowsArp, platformNeighbourSource, procNetArpSource } from './neighbour-table.ts';

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
    const cases: [(t: string) => ReturnType<typeof parseProcNetArp>, string][] = [
      [parseProcNetArp, fixtures[0]!.text],
      [parseBsdArp, '? (198.18.0.10) at 52:54:0:12:34:56 on en5 ifscope [ethernet]\n? (198.18.0.12) at 0:c:29:a:b:c on br0 [ethernet]\n'],
      [parseWindowsArp, 'Interface: 198.18.0.1 --- 0xb\r\n  198.18.0.10           52-54-00-12-34-56     dynamic\r\n'],
    ];
    for (const [parse, base] of cases) {
      for (let i = 0; i < 2000; i++) {
        const chars = [...base];
        for (let m = 0; m < 1 + rnd() * 8; m++) chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(Math.floor(rnd() * 128));
        const out = parse(chars.join(''));
        for (const n of out) expect(n.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      }
    }
  });
});

describe('parseBsdArp (macOS arp -an)', () => {
  it('reads complete entries and pads octets BSD arp prints without leading zeros', () => {
    const text = [
      '? (198.18.0.10) at 52:54:0:12:34:56 on en5 ifscope [ethernet]',
      '? (198.18.0.11) at (incomplete) on en5 ifscope [ethernet]',
      '? (198.18.0.12) at 0:c:29:a:b:c on bridge100 ifscope permanent [bridge]',
      '? (198.18.3.255) at ff:ff:ff:ff:ff:ff on en5 ifscope [ethernet]',
      '? (224.0.0.251) at 1:0:5e:0:0:fb on en0 ifscope permanent [ethernet]',
      'garbage line',
    ].join('\n');
    expect(parseBsdArp(text)).toEqual([
      { ip: '198.18.0.10', mac: '52:54:00:12:34:56', device: 'en5' },
      { ip: '198.18.0.12', mac: '00:0c:29:0a:0b:0c', device: 'bridge100' },
    ]);
  });
});

describe('parseWindowsArp (arp -a)', () => {
  it('reads rows under each interface, whatever the display language', () => {
    const english = [
      '',
      'Interface: 198.18.0.1 --- 0xb',
      '  Internet Address      Physical Address      Type',
      '  198.18.0.10           52-54-00-12-34-56     dynamic',
      '  198.18.3.255          ff-ff-ff-ff-ff-ff     static',
      '  224.0.0.22            01-00-5e-00-00-16     static',
      '',
      'Interface: 192.0.2.5 --- 0x4',
      '  Internet Address      Physical Address      Type',
      '  192.0.2.1             00-50-56-AA-BB-CC     dynamic',
      '',
    ].join('\r\n');
    expect(parseWindowsArp(english)).toEqual([
      { ip: '198.18.0.10', mac: '52:54:00:12:34:56', device: '198.18.0.1' },
      { ip: '192.0.2.1', mac: '00:50:56:aa:bb:cc', device: '192.0.2.5' },
    ]);
    const japanese = ['', 'インターフェイス: 198.18.0.1 --- 0xb', '  インターネット アドレス 物理アドレス           種類', '  198.18.0.10           52-54-00-12-34-56     動的', ''].join('\r\n');
    expect(parseWindowsArp(japanese)).toEqual([{ ip: '198.18.0.10', mac: '52:54:00:12:34:56', device: '198.18.0.1' }]);
  });
});

describe('neighbour sources', () => {
  it('reads /proc/net/arp-format files, and nothing from a missing one', () => {
    expect(procNetArpSource('/nonexistent/arp')()).toEqual([]);
    // This machine's own table parses (its entries vary; the call must not throw).
    expect(Array.isArray(procNetArpSource()())).toBe(true);
  });

  it('answers from the last command run and refreshes in the background', async () => {
    const read = commandNeighbourSource('printf', ['? (198.18.0.10) at 52:54:0:12:34:56 on en5 ifscope [ethernet]\\n'], parseBsdArp);
    expect(read()).toEqual([]);
    await new Promise<void>((resolve) => {
      const poll = () => (read().length ? resolve() : setTimeout(poll, 20));
      poll();
    });
    expect(read()).toEqual([{ ip: '198.18.0.10', mac: '52:54:00:12:34:56', device: 'en5' }]);
  });

  it('knows nothing on a platform without a neighbour table reader', () => {
    expect(platformNeighbourSource('aix')()).toEqual([]);
  });
});
