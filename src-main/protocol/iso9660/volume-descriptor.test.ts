import { describe, expect, it } from 'vitest';
import { encodeDescriptor } from '../../../test/support/iso9660-encoders.ts';
import { parseVolumeDescriptor, recognitionIdOf } from './volume-descriptor.ts';

describe('volume descriptors (ECMA-119 §8)', () => {
  it('reads the primary descriptor: volume id, size, root, creation date', () => {
    const d = parseVolumeDescriptor(encodeDescriptor({ type: 1, volumeId: 'DEBIAN 12', blocks: 845, created: '2021020718255000' }), 16);
    expect(d).toMatchObject({ kind: 'primary', volumeId: 'DEBIAN 12', volumeBlocks: 845, blockSize: 2048, jolietLevel: 0 });
    expect(d.kind === 'primary' && d.root).toMatchObject({ extentSector: 20, dataLength: 2048, isDirectory: true, special: 'self' });
  });

  it.each([['@', 1], ['C', 2], ['E', 3]] as const)('recognises Joliet level by the escape sequence %%/%s', (esc, level) => {
    const d = parseVolumeDescriptor(encodeDescriptor({ type: 2, volumeId: 'Ünïcode', joliet: esc }), 17);
    expect(d).toMatchObject({ kind: 'joliet', jolietLevel: level, volumeId: 'Ünïcode' });
  });

  it('reads the El Torito boot record and its catalog sector', () => {
    expect(parseVolumeDescriptor(encodeDescriptor({ type: 0, catalogSector: 33 }), 17)).toEqual({
      kind: 'boot',
      sector: 17,
      bootSystemId: 'EL TORITO SPECIFICATION',
      catalogSector: 33,
    });
  });

  it('reads the terminator', () => {
    expect(parseVolumeDescriptor(encodeDescriptor({ type: 255 }), 18)).toEqual({ kind: 'terminator', sector: 18 });
  });

  it('says where the standard identifier is missing', () => {
    expect(() => parseVolumeDescriptor(new Uint8Array(2048), 16)).toThrow('no ISO 9660 volume descriptor ("CD001") at sector 16');
  });

  it('refuses block sizes other than 2048, naming the value', () => {
    expect(() => parseVolumeDescriptor(encodeDescriptor({ type: 1, blockSize: 512 }), 16)).toThrow(/logical block size 512.*only 2048/);
  });

  it('rejects a root record that is not a directory', () => {
    const b = encodeDescriptor({ type: 1, root: { sector: 20, length: 2048, flags: 0, id: [0] } });
    expect(() => parseVolumeDescriptor(b, 16)).toThrow(/root directory record .* is not a directory/);
  });

  it('recognises the UDF volume recognition sequence', () => {
    const id = (s: string) => new Uint8Array([0, ...[...s].map((c) => c.charCodeAt(0)), 1]);
    expect(['BEA01', 'NSR02', 'NSR03', 'TEA01'].map((s) => recognitionIdOf(id(s)))).toEqual(['BEA01', 'NSR02', 'NSR03', 'TEA01']);
    expect(recognitionIdOf(encodeDescriptor({ type: 255 }))).toBeNull();
  });
});
