import { describe, expect, it } from 'vitest';
import { ascii } from '../../test/support/hex-bytes.ts';
import { emptyPacket, chaddrOf, type DhcpPacket } from '../protocol/dhcp/packet.ts';
import { classifyClient } from '../pxe/client-class.ts';
import { chooseFirstStageLoader } from './first-stage-loader.ts';

function request(options: [number, Uint8Array][]): DhcpPacket {
  return { ...emptyPacket(1), chaddr: chaddrOf('52:54:00:AB:CD:EF'), options: new Map([[53, Uint8Array.of(1)], ...options]) };
}

const arch = (n: number): [number, Uint8Array] => [93, Uint8Array.of(n >> 8, n & 255)];
const vendor = (s: string): [number, Uint8Array] => [60, ascii(s)];

const table: { name: string; options: [number, Uint8Array][]; firmware: string; archName: string; ipxe: boolean; loader: string | null; reason: RegExp }[] = [
  { name: 'a BIOS PXE ROM', options: [arch(0), vendor('PXEClient:Arch:00000:UNDI:002001')], firmware: 'bios', archName: 'x86 BIOS', ipxe: false, loader: 'undionly.kpxe', reason: /BIOS/ },
  { name: 'OVMF\'s EFI BC PXE', options: [arch(7), vendor('PXEClient:Arch:00007:UNDI:003000')], firmware: 'uefi', archName: 'EFI BC (x86-64)', ipxe: false, loader: 'snponly.efi', reason: /x86-64 UEFI: snponly\.efi, iPXE on the firmware's own network driver/ },
  { name: 'an EFI x86-64 PXE ROM', options: [arch(9), vendor('PXEClient:Arch:00009:UNDI:003016')], firmware: 'uefi', archName: 'EFI x86-64', ipxe: false, loader: 'snponly.efi', reason: /snponly\.efi/ },
  { name: 'a UEFI HTTP boot client', options: [arch(16), vendor('HTTPClient:Arch:00016:UNDI:003001')], firmware: 'uefi', archName: 'x64 UEFI HTTP boot', ipxe: false, loader: 'snponly.efi', reason: /over HTTP/ },
  { name: 'a 32-bit EFI machine', options: [arch(6), vendor('PXEClient:Arch:00006:UNDI:003000')], firmware: 'uefi', archName: 'EFI IA32', ipxe: false, loader: null, reason: /no first-stage loader is bundled for EFI IA32 \(option 93 = 6\)/ },
  { name: 'an ARM64 UEFI machine', options: [arch(11)], firmware: 'uefi', archName: 'ARM 64-bit UEFI', ipxe: false, loader: null, reason: /no first-stage loader is bundled for ARM 64-bit UEFI \(option 93 = 11\)/ },
  { name: 'an ARM64 UEFI HTTP boot client', options: [arch(19), vendor('HTTPClient:Arch:00019')], firmware: 'uefi', archName: 'ARM 64-bit UEFI HTTP boot', ipxe: false, loader: null, reason: /option 93 = 19/ },
  { name: 'an ARM 32-bit UEFI machine', options: [arch(10)], firmware: 'uefi', archName: 'ARM 32-bit UEFI', ipxe: false, loader: null, reason: /no first-stage loader is bundled for ARM 32-bit UEFI \(option 93 = 10\)/ },
  { name: 'an unregistered architecture', options: [arch(4711), vendor('PXEClient')], firmware: 'unknown', archName: 'unknown architecture 4711', ipxe: false, loader: null, reason: /unknown architecture 4711/ },
  { name: 'a PXE client without option 93 whose vendor class names the arch', options: [vendor('PXEClient:Arch:00009:UNDI:003016')], firmware: 'uefi', archName: 'EFI x86-64', ipxe: false, loader: 'snponly.efi', reason: /UEFI/ },
  { name: 'a PXE client with no architecture at all', options: [vendor('PXEClient')], firmware: 'unknown', archName: 'no architecture option (93)', ipxe: false, loader: null, reason: /sent no architecture \(option 93\); not guessing/ },
  { name: 'a plain laptop', options: [], firmware: 'unknown', archName: 'no architecture option (93)', ipxe: false, loader: null, reason: /not a network-boot client/ },
  { name: 'iPXE announcing itself in option 77', options: [arch(0), [77, ascii('iPXE')], vendor('PXEClient:Arch:00000:UNDI:002001')], firmware: 'bios', archName: 'x86 BIOS', ipxe: true, loader: 'undionly.kpxe', reason: /BIOS/ },
  { name: 'iPXE recognised by option 175 alone', options: [arch(9), [175, Uint8Array.of(19, 1, 1)]], firmware: 'uefi', archName: 'EFI x86-64', ipxe: true, loader: 'snponly.efi', reason: /UEFI/ },
];

describe('PXE client classification', () => {
  for (const row of table) {
    it(`classifies ${row.name} and picks ${row.loader ?? 'no loader'}`, () => {
      const info = classifyClient(request(row.options));
      expect(info.mac).toBe('52:54:00:ab:cd:ef');
      expect(info.firmware).toBe(row.firmware);
      expect(info.archName).toBe(row.archName);
      expect(info.ipxe).toBe(row.ipxe);
      const choice = chooseFirstStageLoader(info);
      expect(choice.loader).toBe(row.loader);
      expect(choice.reason).toMatch(row.reason);
    });
  }

  it('calls PXE, UEFI HTTP boot and iPXE clients network-boot firmware, and nothing else', () => {
    expect(classifyClient(request([vendor('PXEClient:Arch:00000:UNDI:002001')])).pxe).toBe(true);
    expect(classifyClient(request([vendor('HTTPClient:Arch:00016:UNDI:003001')])).pxe).toBe(true);
    expect(classifyClient(request([[77, ascii('iPXE')]])).pxe).toBe(true);
    expect(classifyClient(request([vendor('android-dhcp-14')])).pxe).toBe(false);
    expect(classifyClient(request([])).pxe).toBe(false);
  });

  it('reads the architecture from an HTTPClient vendor class when option 93 is missing', () => {
    expect(classifyClient(request([vendor('HTTPClient:Arch:00016:UNDI:003001')]))).toMatchObject({ arch: 16, firmware: 'uefi' });
  });

  it('tells PXEClient and HTTPClient vendor classes apart', () => {
    expect(classifyClient(request([vendor('PXEClient:Arch:00000:UNDI:002001')]))).toMatchObject({ pxeClient: true, httpClient: false });
    expect(classifyClient(request([vendor('HTTPClient:Arch:00016')]))).toMatchObject({ pxeClient: false, httpClient: true });
  });

  it('reads UUID, UNDI version and iPXE features, and lists malformed options instead of throwing', () => {
    const uuid = Uint8Array.of(0, 0x56, 0x4d, 0x6c, 0x7f, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5);
    const info = classifyClient(request([arch(0), [97, uuid], [94, Uint8Array.of(1, 2, 1)], [175, Uint8Array.of(176, 1, 1, 177, 1, 0)], [12, Uint8Array.of()]]));
    expect(info.uuid).toBe('564d6c7f-1a2b-3c4d-5e6f-708192a3b4c5');
    expect(info.undiVersion).toBe('2.1');
    expect(info.ipxeFeatures).toEqual([176, 177]);
    expect(info.problems).toEqual([expect.stringMatching(/option 12 \(host name\)/)]);
  });
});
