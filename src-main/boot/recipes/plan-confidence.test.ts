import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVEN_PLANS, confidenceText, planConfidence, provenFirmware } from './plan-confidence.ts';

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
    expect(provenFirmware({ recipe: 'memtest86+', id: 'http' }, 'real-initramfs')).toEqual(['bios', 'uefi']);
  });

  it('says where each level of proof comes from, never counting a synthetic boot as a real one', () => {
    expect(provenFirmware({ recipe: 'generic-linux/live-boot', id: 'http' }, 'real-initramfs')).toEqual(['bios', 'uefi']);
    expect(provenFirmware({ recipe: 'generic-linux/live-boot', id: 'http' }, 'synthetic')).toEqual(['uefi-secure-boot']);
    expect(confidenceText({ recipe: 'generic-linux/live-boot', id: 'http', via: 'http' })).toBe(
      'booted here from the real initramfs (BIOS, UEFI); from a synthetic layout on UEFI Secure Boot via shim and GRUB',
    );
    expect(confidenceText({ recipe: 'archiso', id: 'nbd', via: 'nbd' })).toBe('booted here from a synthetic layout (BIOS)');
    expect(confidenceText({ recipe: 'generic-linux/casper', id: 'http', via: 'http' })).toBe('untested recipe');
    expect(confidenceText({ recipe: 'none', id: 'none', via: 'none' })).toBeUndefined();
  });
});
