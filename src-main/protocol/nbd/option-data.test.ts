import { describe, expect, it } from 'vitest';
import { hex, toHex } from '../../../test/support/hex-bytes.ts';
import { NbdInfo } from './constants.ts';
import { NbdProtocolError } from './errors.ts';
import {
  decodeExportNameData,
  decodeInfo,
  decodeInfoRequest,
  decodeServerEntry,
  encodeExportNameData,
  encodeInfo,
  encodeInfoRequest,
  encodeServerEntry,
  type NbdInfoItem,
} from './option-data.ts';

describe('INFO/GO request data', () => {
  const fixtures = [
    { name: 'name "arch" asking for NAME and BLOCK_SIZE', req: { name: 'arch', requests: [NbdInfo.NAME, NbdInfo.BLOCK_SIZE] }, bytes: '00000004 61726368 0002 0001 0003' },
    { name: 'default export with no requests', req: { name: '', requests: [] }, bytes: '00000000 0000' },
    { name: 'a UTF-8 name', req: { name: 'débian', requests: [NbdInfo.DESCRIPTION] }, bytes: '00000007 64c3a9626961 6e 0001 0002' },
  ];
  for (const f of fixtures) {
    it(`encodes and decodes ${f.name}`, () => {
      expect(toHex(encodeInfoRequest(f.req))).toBe(toHex(hex(f.bytes)));
      expect(decodeInfoRequest(hex(f.bytes))).toEqual(f.req);
    });
  }

  it('refuses a name length that runs past the option data', () => {
    expect(() => decodeInfoRequest(hex('000000ff 61 0000'))).toThrow(/name length 255 overruns/);
  });

  it('refuses a request count that does not match the option length', () => {
    expect(() => decodeInfoRequest(hex('00000001 61 0002 0001'))).toThrow(/expected 11 bytes, got 9/);
    expect(() => decodeInfoRequest(hex('00000001 61 0000 0001'))).toThrow(NbdProtocolError);
  });

  it('refuses names that are not UTF-8', () => {
    expect(() => decodeInfoRequest(hex('00000002 c328 0000'))).toThrow(/not valid UTF-8/);
    expect(() => decodeExportNameData(hex('ff'))).toThrow(/not valid UTF-8/);
  });

  it('carries NBD_OPT_EXPORT_NAME data as the bare name', () => {
    expect(toHex(encodeExportNameData('iso'))).toBe('69736f');
    expect(decodeExportNameData(hex('69736f'))).toBe('iso');
  });

  it('refuses names longer than the 4096 bytes the spec allows', () => {
    expect(() => encodeExportNameData('x'.repeat(4097))).toThrow(/limited to 4096/);
    expect(() => decodeExportNameData(new Uint8Array(4097).fill(0x61))).toThrow(/limited to 4096/);
  });
});

describe('NBD_REP_SERVER entries', () => {
  it('encodes and decodes a name with a description', () => {
    const bytes = '00000004 61726368 417263682032303234';
    expect(toHex(encodeServerEntry({ name: 'arch', description: 'Arch 2024' }))).toBe(toHex(hex(bytes)));
    expect(decodeServerEntry(hex(bytes))).toEqual({ name: 'arch', description: 'Arch 2024' });
  });

  it('encodes and decodes a bare name', () => {
    expect(toHex(encodeServerEntry({ name: 'a' }))).toBe('0000000161');
    expect(decodeServerEntry(hex('0000000161'))).toEqual({ name: 'a' });
  });

  it('refuses a name length beyond the reply', () => {
    expect(() => decodeServerEntry(hex('00000009 61'))).toThrow(/overruns/);
  });
});

describe('NBD_REP_INFO payloads', () => {
  const fixtures: { name: string; item: NbdInfoItem; bytes: string }[] = [
    { name: 'NBD_INFO_EXPORT', item: { type: 'export', size: 64 * 1024 * 1024, transmissionFlags: 0x0107 }, bytes: '0000 0000000004000000 0107' },
    { name: 'NBD_INFO_NAME', item: { type: 'name', name: 'arch' }, bytes: '0001 61726368' },
    { name: 'NBD_INFO_DESCRIPTION', item: { type: 'description', description: 'Arch' }, bytes: '0002 41726368' },
    { name: 'NBD_INFO_BLOCK_SIZE', item: { type: 'block-size', minimum: 1, preferred: 4096, maximum: 32 << 20 }, bytes: '0003 00000001 00001000 02000000' },
  ];
  for (const f of fixtures) {
    it(`encodes and decodes ${f.name}`, () => {
      expect(toHex(encodeInfo(f.item))).toBe(toHex(hex(f.bytes)));
      expect(decodeInfo(hex(f.bytes))).toEqual(f.item);
    });
  }

  it('returns null for information types a client must ignore', () => {
    expect(decodeInfo(hex('0063 0102'))).toBeNull();
  });

  it('refuses an NBD_INFO_EXPORT of the wrong length', () => {
    expect(() => decodeInfo(hex('0000 00000000'))).toThrow(/NBD_INFO_EXPORT: expected 12 bytes, got 6/);
  });
});
