import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src-main/boot/inspect-image.ts';
import { ALPINE_ISO, ARCH_ISO, DEBIAN_LIVE_ISO, FEDORA_LIVE_ISO, OPENSUSE_DVD, SYSTEMRESCUE_ISO, UBUNTU_ISO } from '../../test/support/image-trees.ts';
import { IsoImage } from '../../src-main/iso/iso-image.ts';
import { MemoryImage, type MemoryTree } from '../support/memory-image.ts';

/**
 * The recipe fixtures written into real ISO 9660 images (xorriso, Rock Ridge + Joliet, as
 * distributions build them) and read back through IsoImage: inspection must decide exactly as
 * it does over the in-memory tree. Big files shrink to a few bytes; only their presence matters
 * here (RAM estimates are compared without the sizes).
 */
const work = mkdtempSync(join(tmpdir(), 'bootcast-inspect-iso-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function shrink(tree: MemoryTree): MemoryTree {
  return Object.fromEntries(Object.entries(tree).map(([p, c]) => [p, typeof c === 'number' ? Math.min(c, 512) : c]));
}

function buildIso(name: string, tree: MemoryTree): string {
  const root = join(work, name);
  for (const [p, content] of Object.entries(tree)) {
    if (p.startsWith('/[')) continue; // the reader's virtual El Torito directory, not a file
    const file = join(root, p);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'number' ? Buffer.alloc(content, 0x5a) : content);
  }
  const iso = join(work, `${name}.iso`);
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-iso-level', '3', '-R', '-J', '-V', name.toUpperCase().slice(0, 32), '-o', iso, root], { stdio: 'pipe' });
  return iso;
}

const withoutRam = (plans: Array<Record<string, unknown>>) => plans.map(({ minRamMiB: _m, ...p }) => p);

describe('inspection through the real ISO reader', () => {
  for (const [name, tree] of Object.entries({ arch: ARCH_ISO, systemrescue: SYSTEMRESCUE_ISO, ubuntu: UBUNTU_ISO, debian_live: DEBIAN_LIVE_ISO, fedora_live: FEDORA_LIVE_ISO, alpine: ALPINE_ISO, opensuse: OPENSUSE_DVD })) {
    it(`decides the same plans for ${name} read from an xorriso-built ISO as from the tree`, async () => {
      const small = shrink(tree);
      const isoPath = buildIso(name, small);
      const iso = await IsoImage.open(isoPath);
      try {
        const fromIso = await inspectImage(iso, { sizeBytes: 3 << 30 });
        const fromTree = await inspectImage(new MemoryImage(small, isoPath, iso.volumeId), { sizeBytes: 3 << 30 });
        expect(fromIso.recipe).toBe(fromTree.recipe);
        expect(fromIso.recipe).not.toBe('none');
        expect(withoutRam(fromIso.plans as never)).toEqual(withoutRam(fromTree.plans as never));
        expect(fromIso.distro).toBe(fromTree.distro);
      } finally {
        await iso.close();
      }
    });
  }
});
