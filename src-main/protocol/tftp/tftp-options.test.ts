import { describe, expect, it } from 'vitest';
import { blksizeForMtu, negotiateTftpOptions, type NegotiatedTftpOptions } from './tftp-options.ts';
import type { TftpOption } from './tftp-packet.ts';

const limits = { maxBlksize: 1468, maxWindowsize: 64 };
const opts = (...pairs: Array<[string, string]>): TftpOption[] => pairs.map(([name, value]) => ({ name, value }));

const cases: Array<[name: string, requested: TftpOption[], size: number | undefined, expected: NegotiatedTftpOptions]> = [
  ['no options: RFC 1350 defaults and no OACK', [], 100, { blksize: 512, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: [] }],
  [
    'blksize within the limit is granted as asked',
    opts(['blksize', '1428']), 100,
    { blksize: 1428, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: opts(['blksize', '1428']) },
  ],
  [
    'blksize above the MTU cap is lowered (RFC 2348 lets the server answer smaller)',
    opts(['blksize', '65464']), 100,
    { blksize: 1468, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: opts(['blksize', '1468']) },
  ],
  ['blksize below 8 is invalid and ignored', opts(['blksize', '7']), 100, { blksize: 512, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: [] }],
  ['a non-numeric blksize is ignored', opts(['blksize', '-1']), 100, { blksize: 512, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: [] }],
  [
    'tsize 0 is answered with the transfer size, in the client spelling',
    opts(['TSIZE', '0']), 41943040,
    { blksize: 512, windowsize: 1, timeoutSeconds: undefined, tsize: 41943040, acknowledged: opts(['TSIZE', '41943040']) },
  ],
  ['tsize is not acknowledged when the size is unknown (netascii)', opts(['tsize', '0']), undefined, { blksize: 512, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: [] }],
  [
    'timeout 1..255 is echoed unchanged (RFC 2349)',
    opts(['timeout', '5']), 1,
    { blksize: 512, windowsize: 1, timeoutSeconds: 5, tsize: undefined, acknowledged: opts(['timeout', '5']) },
  ],
  ['timeout 0 and 256 are ignored', opts(['timeout', '0'], ['Timeout', '256']), 1, { blksize: 512, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: [] }],
  [
    'windowsize is granted up to the server maximum (RFC 7440)',
    opts(['windowsize', '1000']), 1,
    { blksize: 512, windowsize: 64, timeoutSeconds: undefined, tsize: undefined, acknowledged: opts(['windowsize', '64']) },
  ],
  ['windowsize 0 is ignored', opts(['windowsize', '0']), 1, { blksize: 512, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: [] }],
  [
    'unknown options are left out and a repeated option keeps its first value',
    opts(['multicast', ''], ['blksize', '1024'], ['blksize', '8'], ['utimeout', '1000']), 1,
    { blksize: 1024, windowsize: 1, timeoutSeconds: undefined, tsize: undefined, acknowledged: opts(['blksize', '1024']) },
  ],
  [
    'all options together keep the client order',
    opts(['windowsize', '16'], ['tsize', '0'], ['blksize', '1468'], ['timeout', '1']), 52428800,
    {
      blksize: 1468, windowsize: 16, timeoutSeconds: 1, tsize: 52428800,
      acknowledged: opts(['windowsize', '16'], ['tsize', '52428800'], ['blksize', '1468'], ['timeout', '1']),
    },
  ],
];

describe('negotiateTftpOptions', () => {
  it.each(cases)('%s', (_name, requested, size, expected) => {
    expect(negotiateTftpOptions(requested, size, limits)).toEqual(expected);
  });

  it('derives the default blksize cap from the MTU: 1468 for Ethernet', () => {
    expect(blksizeForMtu(1500)).toBe(1468);
    expect(blksizeForMtu(9000)).toBe(8968);
    expect(blksizeForMtu(100000)).toBe(65464);
  });
});
