import { describe, expect, it } from 'vitest';
import { ascii, hex } from '../../../test/support/hex-bytes.ts';
import { DhcpCodecError } from './dhcp-codec-error.ts';
import { Opt, readOption, writeOption, type OptionCodec } from './typed-options.ts';

interface Fixture {
  name: string;
  codec: OptionCodec<unknown>;
  bytes: Uint8Array;
  value: unknown;
}

const UUID = hex('564d6c7f1a2b3c4d5e6f708192a3b4c5');

const fixtures: Fixture[] = [
  { name: 'message type 53 (DISCOVER)', codec: Opt.messageType, bytes: hex('01'), value: 1 },
  { name: 'server identifier 54', codec: Opt.serverId, bytes: hex('c6120001'), value: '198.18.0.1' },
  { name: 'requested address 50', codec: Opt.requestedIp, bytes: hex('c6120064'), value: '198.18.0.100' },
  { name: 'lease time 51 (one hour)', codec: Opt.leaseTime, bytes: hex('00000e10'), value: 3600 },
  { name: 'parameter request list 55', codec: Opt.parameterList, bytes: hex('01 03 06 2b 3c 42 43'), value: [1, 3, 6, 43, 60, 66, 67] },
  { name: 'maximum message size 57', codec: Opt.maxMessageSize, bytes: hex('05c0'), value: 1472 },
  { name: 'vendor class 60', codec: Opt.vendorClass, bytes: ascii('PXEClient:Arch:00007:UNDI:003000'), value: 'PXEClient:Arch:00007:UNDI:003000' },
  { name: 'client identifier 61 (Ethernet)', codec: Opt.clientId, bytes: hex('01 525400123456'), value: { type: 1, id: hex('525400123456') } },
  { name: 'TFTP server name 66', codec: Opt.tftpServerName, bytes: ascii('198.18.0.1'), value: '198.18.0.1' },
  { name: 'bootfile name 67', codec: Opt.bootfileName, bytes: ascii('undionly.kpxe'), value: 'undionly.kpxe' },
  { name: 'user class 77 in RFC 3004 form', codec: Opt.userClass, bytes: hex('04', ascii('iPXE'), '03', ascii('lab')), value: ['iPXE', 'lab'] },
  { name: 'client architecture 93 (EFI x86-64)', codec: Opt.clientArch, bytes: hex('0009'), value: [9] },
  { name: 'client architecture 93 listing two types', codec: Opt.clientArch, bytes: hex('0007 0010'), value: [7, 16] },
  { name: 'client network interface 94 (UNDI 3.16)', codec: Opt.clientNdi, bytes: hex('01 03 10'), value: { type: 1, major: 3, minor: 16 } },
  { name: 'client machine identifier 97', codec: Opt.clientUuid, bytes: hex('00', UUID), value: { type: 0, id: UUID } },
  {
    name: 'relay agent information 82 (circuit and remote id)', codec: Opt.relayAgent, bytes: hex('01 04 00010002 02 06 001122334455'),
    value: { circuitId: hex('00010002'), remoteId: hex('001122334455'), subOptions: new Map([[1, hex('00010002')], [2, hex('001122334455')]]) },
  },
  { name: 'host name 12', codec: Opt.hostname, bytes: ascii('node-7'), value: 'node-7' },
  { name: 'subnet mask 1', codec: Opt.subnetMask, bytes: hex('ffffff00'), value: '255.255.255.0' },
  { name: 'routers 3', codec: Opt.router, bytes: hex('c61200fe'), value: ['198.18.0.254'] },
  { name: 'DNS servers 6', codec: Opt.dnsServers, bytes: hex('c6120001 c6120002'), value: ['198.18.0.1', '198.18.0.2'] },
  { name: 'broadcast address 28', codec: Opt.broadcastAddress, bytes: hex('c61200ff'), value: '198.18.0.255' },
  { name: 'iPXE encapsulated 175 with no-pxedhcp (176) = 1', codec: Opt.ipxe, bytes: hex('b0 01 01'), value: new Map([[176, hex('01')]]) },
];

describe('typed DHCP options', () => {
  for (const f of fixtures) {
    it(`decodes ${f.name}`, () => {
      expect(f.codec.decode(f.bytes)).toEqual(f.value);
    });
    it(`encodes ${f.name} to the same bytes`, () => {
      expect(f.codec.encode(f.value)).toEqual(f.bytes);
    });
  }

  it('reads iPXE\'s bare "iPXE" user class (not RFC 3004 framed) as one class', () => {
    expect(Opt.userClass.decode(ascii('iPXE'))).toEqual(['iPXE']);
  });

  it('drops a trailing NUL from text options, as some ROMs send one', () => {
    expect(Opt.vendorClass.decode(hex(ascii('PXEClient'), '00'))).toBe('PXEClient');
  });

  it('reads and writes through the options map', () => {
    const options = new Map<number, Uint8Array>();
    writeOption(options, Opt.leaseTime, 600);
    expect(options.get(51)).toEqual(hex('00000258'));
    expect(readOption(options, Opt.leaseTime)).toBe(600);
    expect(readOption(options, Opt.serverId)).toBeUndefined();
  });

  const bad: { name: string; codec: OptionCodec<unknown>; bytes: Uint8Array; message: RegExp }[] = [
    { name: 'a 3-byte requested address', codec: Opt.requestedIp, bytes: hex('c61200'), message: /option 50 \(requested IP address\): must be 4 bytes \(one IPv4 address\), got 3/ },
    { name: 'a 2-byte message type', codec: Opt.messageType, bytes: hex('0101'), message: /option 53 \(message type\): must be 1 byte, got 2/ },
    { name: 'a maximum message size below 576', codec: Opt.maxMessageSize, bytes: hex('0100'), message: /option 57 .* value 256 is below the minimum 576/ },
    { name: 'an odd-length architecture list', codec: Opt.clientArch, bytes: hex('000700'), message: /option 93 .* length 3 is not a positive multiple of 2/ },
    { name: 'a 16-byte machine identifier', codec: Opt.clientUuid, bytes: UUID, message: /option 97 .* must be 17 bytes/ },
    { name: 'a 2-byte network interface id', codec: Opt.clientNdi, bytes: hex('0102'), message: /option 94 .* must be 3 bytes, got 2/ },
    { name: 'a router list of 6 bytes', codec: Opt.router, bytes: hex('c6120001 c612'), message: /option 3 .* length 6 is not a positive multiple of 4/ },
    { name: 'a one-byte client identifier', codec: Opt.clientId, bytes: hex('01'), message: /option 61 .* at least 2 bytes/ },
    { name: 'a relay sub-option overrunning option 82', codec: Opt.relayAgent, bytes: hex('01 09 0001'), message: /option 82: sub-option 1 at offset 0 claims 9 bytes but only 2 remain/ },
    { name: 'an iPXE sub-option overrunning option 175', codec: Opt.ipxe, bytes: hex('b0 05 01'), message: /option 175: sub-option 176 at offset 0 claims 5 bytes/ },
    { name: 'an empty host name', codec: Opt.hostname, bytes: hex(''), message: /option 12 .* at least 1 byte/ },
  ];
  for (const b of bad) {
    it(`rejects ${b.name}`, () => {
      expect(() => b.codec.decode(b.bytes)).toThrow(DhcpCodecError);
      expect(() => b.codec.decode(b.bytes)).toThrow(b.message);
    });
  }
});
