import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGE_DOCS, UNSUPPORTED_DOCS, confidenceCell, renderImagesDoc } from './images-doc.ts';
import { INITRAMFS_FAMILIES } from './initramfs-family.ts';
import { PROVEN_PLANS } from './plan-confidence.ts';

describe('docs/images.md', () => {
  it('is exactly what the recipes render (run `npm run docs:images` after changing a recipe)', () => {
    const committed = readFileSync(join(import.meta.dirname, '../../../docs/images.md'), 'utf8');
    expect(committed).toBe(renderImagesDoc());
  });

  it('has a row for every initramfs family and every recipe a proven plan names', () => {
    const recipes = new Set(IMAGE_DOCS.map((d) => d.recipe));
    for (const f of INITRAMFS_FAMILIES) expect(recipes.has(f.doc.recipe), f.id).toBe(true);
    for (const p of PROVEN_PLANS) expect(recipes.has(p.recipe), p.recipe).toBe(true);
    expect(UNSUPPORTED_DOCS.every((d) => d.limits.length > 0)).toBe(true);
  });

  it('derives each row\'s confidence from the proven-plan table', () => {
    expect(confidenceCell('generic-linux/live-boot')).toMatch(/^\*\*booted here from the real initramfs\*\*: http \(BIOS/);
    expect(confidenceCell('archiso')).toBe('booted here from a synthetic layout: http (BIOS, UEFI); nbd (BIOS)');
    expect(confidenceCell('generic-linux/casper')).toBe('untested recipe');
  });
});
