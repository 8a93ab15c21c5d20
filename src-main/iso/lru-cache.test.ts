import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry beyond the entry limit', () => {
    const c = new LruCache<string, number>(2, 100, () => 1);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now more recent than b
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
  });

  it('evicts by weight so a few heavy values cannot hold more than the limit', () => {
    const c = new LruCache<string, number[]>(100, 10, (v) => v.length);
    c.set('a', [1, 2, 3, 4]);
    c.set('b', [1, 2, 3, 4]);
    c.set('c', [1, 2, 3, 4]);
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(2);
  });

  it('does not cache a value heavier than the whole cache', () => {
    const c = new LruCache<string, number[]>(10, 3, (v) => v.length);
    c.set('small', [1]);
    c.set('huge', [1, 2, 3, 4]);
    expect(c.get('huge')).toBeUndefined();
    expect(c.get('small')).toEqual([1]);
  });
});
