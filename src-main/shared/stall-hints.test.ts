import { describe, expect, it } from 'vitest';
import { STALL_CODES, isStallCode, stallHint, stallHintText } from './stall-hints.ts';

describe('stall hints', () => {
  it.each(STALL_CODES)('has a distinct English sentence for %s', (code) => {
    const text = stallHintText(code, { seconds: 12, path: '/x', percent: 37, error: 'boom', discovers: 3 });
    expect(text.length).toBeGreaterThan(40);
    const others = STALL_CODES.filter((c) => c !== code).map((c) => stallHintText(c, { seconds: 12, path: '/x', percent: 37 }));
    expect(others).not.toContain(text);
  });

  it('puts the parameters into the sentence', () => {
    const h = stallHint('transfer-stalled', { path: '/images/a/vmlinuz', percent: 37, seconds: 20 });
    expect(h.text).toContain('/images/a/vmlinuz');
    expect(h.text).toContain('37 %');
    expect(h.text).toContain('20 s');
    expect(h.params.percent).toBe(37);
  });

  it('recognises its own codes only', () => {
    expect(isStallCode('no-ipxe-after-loader')).toBe(true);
    expect(isStallCode('nope')).toBe(false);
    expect(isStallCode(3)).toBe(false);
  });
});
