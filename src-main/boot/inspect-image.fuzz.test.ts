import { describe, expect, it } from 'vitest';
import { MemoryImage, type MemoryTree } from '../../test/support/memory-image.ts';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { TEMPLATE_NAMES, templateNames } from './cmdline-template.ts';
import { ALPINE_ISO, ARCH_ISO, DEBIAN_LIVE_ISO, FEDORA_LIVE_ISO, FEDORA_SERVER_DVD, MEMTEST_ISO, OPENSUSE_DVD, SYSTEMRESCUE_ISO, UBUNTU_ISO } from '../../test/support/image-trees.ts';
import { inspectImage } from './inspect-image.ts';

/** Damages text the way broken media and hand edits do: flipped characters, cut lines, stray braces/quotes, duplicated chunks. */
function mutate(text: string, rand: () => number): string {
  const chars = [...text];
  const edits = 1 + Math.floor(rand() * 6);
  const junk = ['{', '}', '"', "'", '\n', '\\', '$', '${', '#', ' ', 'INCLUDE ', 'menuentry ', 'LABEL ', '\0', 'é'];
  for (let e = 0; e < edits && chars.length > 0; e++) {
    const at = Math.floor(rand() * chars.length);
    const kind = Math.floor(rand() * 4);
    if (kind === 0) chars.splice(at, 1 + Math.floor(rand() * 20));
    else if (kind === 1) chars.splice(at, 0, junk[Math.floor(rand() * junk.length)]!);
    else if (kind === 2) chars.splice(at, 0, ...chars.slice(at, at + 40));
    else chars[at] = String.fromCharCode(Math.floor(rand() * 128));
  }
  return chars.join('');
}

const FIXTURES: Record<string, MemoryTree> = { ARCH_ISO, SYSTEMRESCUE_ISO, UBUNTU_ISO, DEBIAN_LIVE_ISO, FEDORA_LIVE_ISO, FEDORA_SERVER_DVD, MEMTEST_ISO, ALPINE_ISO, OPENSUSE_DVD };

describe('inspectImage with damaged boot configs', () => {
  for (const [name, tree] of Object.entries(FIXTURES)) {
    it(`never throws and always answers with well-formed plans (${name}, 200 seeded mutations)`, async () => {
      const seed = 0x5eed + name.length * 7919;
      const rand = seededRandom(seed);
      for (let n = 0; n < 200; n++) {
        const damaged: MemoryTree = {};
        for (const [path, content] of Object.entries(tree)) {
          damaged[path] = typeof content === 'string' && rand() < 0.7 ? mutate(content, rand) : content;
        }
        const r = await inspectImage(new MemoryImage(damaged, '/nonexistent.iso'), { sizeBytes: rand() < 0.5 ? 3 << 20 : 3 << 30 });
        const where = `${name} seed ${seed} case ${n}`;
        expect(r.plans.length, where).toBeGreaterThan(0);
        // inspectImage shields callers from recipe bugs; the fuzz must still see none.
        expect(r.notes.filter((x) => /: failed: /.test(x)), where).toEqual([]);
        for (const p of r.plans) {
          if (p.via === 'none') expect(p.unbootableReason, where).toBeTruthy();
          if (p.via === 'http' || p.via === 'nbd') {
            expect(p.kernel, where).toMatch(/^\//);
            for (const i of p.initrds) expect(i, where).toMatch(/^\//);
            const unknown = templateNames(p.cmdline ?? '').filter((t) => !(TEMPLATE_NAMES as readonly string[]).includes(t));
            expect(unknown, where).toEqual([]);
          }
          expect(p.firmware.length, where).toBeGreaterThan(0);
        }
      }
    });
  }
});
