import { describe, expect, it } from 'vitest';
import { imageIdFor } from './image-id.ts';

describe('imageIdFor', () => {
  it('turns a typical ISO file name into a URL-safe id without the extension', () => {
    expect(imageIdFor('archlinux-2026.11.01-x86_64.iso', new Set())).toBe('archlinux-2026.11.01-x86_64');
  });
  it('replaces spaces, slashes and non-ASCII with dashes and trims them at the ends', () => {
    expect(imageIdFor(' My Ubuntu (日本語) /x.ISO', new Set())).toBe('my-ubuntu-x');
  });
  it('adds a numeric suffix when the id is already taken', () => {
    expect(imageIdFor('a.iso', new Set(['a', 'a-2']))).toBe('a-3');
  });
  it('never returns an empty id', () => {
    expect(imageIdFor('...iso', new Set())).toBe('image');
  });
});
