import { describe, expect, it } from 'vitest';
import { ascii, hex } from '../../../test/support/hex-bytes.ts';
import { DhcpCodecError } from './dhcp-codec-error.ts';
import { decodePxeVendorOptions, encodePxeVendorOptions, type PxeVendorOptions } from './pxe-vendor-options.ts';

const fixtures: { name: string; bytes: Uint8Array; value: PxeVendorOptions }[] = [
  {
    name: 'discovery control "use the boot file" only (what a proxyDHCP server pointing at a file sends)',
    bytes: hex('06 01 08 ff'),
    value: { discoveryControl: 8, other: new Map() },
  },
  {
    name: 'boot servers, a boot menu and a prompt (PXE 2.1 table 2-1)',
    bytes: hex(
      '06 01 07',
      '08 07 8000 01 c6120001',
      '09 0e 8000 0b', ascii('Bootcast ok'),
      '0a 05 05', ascii('Boot'),
      'ff',
    ),
    value: {
      discoveryControl: 7,
      bootServers: [{ type: 0x8000, addresses: ['198.18.0.1'] }],
      bootMenu: [{ type: 0x8000, description: 'Bootcast ok' }],
      menuPrompt: { timeout: 5, prompt: 'Boot' },
      other: new Map(),
    },
  },
  {
    name: 'a boot item (71) and an unknown sub-option kept verbatim',
    bytes: hex('47 04 8000 0000', '01 04 e0000102', 'ff'),
    value: { bootItem: { type: 0x8000, layer: 0 }, other: new Map([[1, hex('e0000102')]]) },
  },
];

describe('PXE vendor options (option 43)', () => {
  for (const f of fixtures) {
    it(`decodes ${f.name}`, () => {
      expect(decodePxeVendorOptions(f.bytes)).toEqual(f.value);
    });
    it(`encodes ${f.name}`, () => {
      expect(encodePxeVendorOptions(f.value)).toEqual(f.bytes);
    });
  }

  it('stops at END and ignores what follows, skipping pad bytes before it', () => {
    expect(decodePxeVendorOptions(hex('00 06 01 08 ff 06 01 03'))).toEqual({ discoveryControl: 8, other: new Map() });
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['a two-byte discovery control', hex('06 02 0800 ff'), /discovery control \(6\) must be 1 byte, got 2/],
    ['a boot server list promising more addresses than it holds', hex('08 07 8000 02 c6120001 ff'), /boot servers \(8\): entry at offset 0 lists 2 addresses but only 4 bytes remain/],
    ['a menu item whose description overruns', hex('09 05 8000 09 41 42 ff'), /boot menu \(9\): item at offset 0 claims a 9-byte description but only 2 remain/],
    ['a sub-option overrunning option 43', hex('06 05 08'), /sub-option 6 at offset 0 claims 5 bytes but only 1 remain/],
    ['an empty prompt sub-option', hex('0a 00 ff'), /menu prompt \(10\) must hold at least the timeout byte/],
  ];
  for (const [name, bytes, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => decodePxeVendorOptions(bytes)).toThrow(DhcpCodecError);
      expect(() => decodePxeVendorOptions(bytes)).toThrow(message);
    });
  }
});
