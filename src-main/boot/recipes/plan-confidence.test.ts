import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVEN_PLANS, planConfidence, provenFirmware } from './plan-confidence.ts';

const ROOT = join(import.meta.dirname, '../../..');

describe('plan confidence', () => {
  it('names, for every proven plan, an e2e test that exists', () => {
    for (const p of PROVEN_PLANS) {
      const text = readFileSync(join(ROOT, p.file), 'utf8');
      expect(text.includes(p.test), `${p.file} has no test "${p.test}" (${p.recipe} ${p.planId})`).toBe(true);
    }
  });

  it('ranks a plan by its best proof, calls the rest untested, and gives unbootable plans none', () => {
    expect(planConfidence({ recipe: 'generic-linux/live-boot', id: 'http', via: 'http' })).toBe('real-initramfs');
    expect(planConfidence({ recipe: 'archiso', id: 'nbd', via: 'nbd' })).toBe('synthetic');
    expect(planConfidence({ recipe: 'generic-linux/casper', id: 'http', via: 'http' })).toBe('untested');
    expect(planConfidence({ recipe: 'none', id: 'none', via: 'none' })).toBeUndefined();
    expect(provenFirmware({ recipe: 'memtest86+', id: 'http' })).toEqual(['bios', 'uefi']);
  });
});
