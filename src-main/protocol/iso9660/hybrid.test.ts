import { describe, expect, it } from 'vitest';
import { detectHybrid } from './hybrid.ts';

function area(opts: { mbrType?: number; gptAt?: number; signature?: boolean }): Uint8Array {
  const b = new Uint8Array(32768);
  if (opts.signature !== false) {
    b[510] = 0x55;
    b[511] = 0xaa;
  }
  if (opts.mbrType !== undefined) {
    b[446 + 4] = opts.mbrType;
    new DataView(b.buffer).setUint32(446 + 12, 1000, true);
  }
  if (opts.gptAt !== undefined) b.set([...'EFI PART'].map((c) => c.charCodeAt(0)), opts.gptAt);
  return b;
}

describe('hybrid (isohybrid) detection', () => {
  it('finds an MBR partition table and lists its partition types', () => {
    expect(detectHybrid(area({ mbrType: 0x17 }))).toEqual({ mbr: true, gpt: false, mbrPartitionTypes: [0x17] });
  });

  it('finds a GPT header at LBA 1 for 512- and 4096-byte sectors', () => {
    expect(detectHybrid(area({ mbrType: 0xee, gptAt: 512 })).gpt).toBe(true);
    expect(detectHybrid(area({ gptAt: 4096 })).gpt).toBe(true);
  });

  it('does not call boot code without partitions a hybrid image', () => {
    expect(detectHybrid(area({}))).toEqual({ mbr: false, gpt: false, mbrPartitionTypes: [] });
    expect(detectHybrid(area({ mbrType: 0x83, signature: false })).mbr).toBe(false);
  });
});
