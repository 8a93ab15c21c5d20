import { describe, expect, it } from 'vitest';
import { MemoryImage, type MemoryTree } from '../../../../test/support/memory-image.ts';
import { DEBIAN_LIVE_ISO } from '../../../../test/support/image-trees.ts';
import { inspectImage } from '../../inspect-image.ts';

const MiB = 1024 * 1024;
const inspect = (tree: MemoryTree, sizeBytes: number) => inspectImage(new MemoryImage(tree, '/nonexistent/test.iso'), { sizeBytes });

/** A Tails-like medium: its entry names module=Tails and live-media=removable; Tails.module lists the layers. */
function tails(layers: string[]): MemoryTree {
  const tree: MemoryTree = {
    '/live/vmlinuz': 8 * MiB,
    '/live/initrd.img': 40 * MiB,
    '/live/Tails.module': layers.join('\n') + '\n',
    '/isolinux/isolinux.cfg': [
      'default live',
      'label live',
      '  kernel /live/vmlinuz',
      '  append initrd=/live/initrd.img boot=live config live-media=removable nopersistence noprompt timezone=Etc/UTC splash noautologin module=Tails quiet',
    ].join('\n'),
  };
  for (const [i, name] of layers.entries()) tree[`/live/${name}`] = (i === 0 ? 1300 : 200) * MiB;
  return tree;
}

describe('live-boot plans', () => {
  it('fetches the one squashfs by default and offers the whole ISO second, with RAM for twice the ISO', async () => {
    const r = await inspect(DEBIAN_LIVE_ISO, 3000 * MiB);
    expect(r.plans.map((p) => p.id)).toEqual(['http', 'iso']);
    const [squash, iso] = r.plans;
    expect(squash!.cmdline).toBe('boot=live components quiet splash fetch={{image_url}}/live/filesystem.squashfs');
    expect(iso!.cmdline).toBe('boot=live components quiet splash fetch={{iso_url}}');
    expect(squash!.minRamMiB).toBeLessThan(2600 + 768 + 400);
    expect(iso!.minRamMiB).toBeGreaterThanOrEqual(2 * 3000);
    expect(iso!.title).toMatch(/whole ISO/);
  });

  it('gives a module= medium (Tails) the whole ISO by default, dropping live-media=, the squashfs as the alternative', async () => {
    const r = await inspect(tails(['filesystem.squashfs']), 1400 * MiB);
    expect(r.recipe).toBe('generic-linux/live-boot');
    expect(r.plans.map((p) => p.id)).toEqual(['iso', 'http']);
    expect(r.plans[0]!.cmdline).toBe('boot=live config nopersistence noprompt timezone=Etc/UTC splash noautologin module=Tails quiet fetch={{iso_url}}');
    expect(r.plans[1]!.cmdline).toMatch(/ fetch=\{\{image_url\}\}\/live\/filesystem\.squashfs$/);
    expect(r.plans[0]!.limits?.join(' ')).toMatch(/Tails: untested here.*no Persistent Storage/);
  });

  it('drops toram: fetch= already holds the root in RAM, a second copy would double it', async () => {
    const tree = { ...DEBIAN_LIVE_ISO };
    tree['/isolinux/live.cfg'] = String(tree['/isolinux/live.cfg']).replace('components quiet', 'components toram quiet');
    const r = await inspect(tree, 3000 * MiB);
    expect(r.plans.map((p) => p.cmdline)).toEqual([
      'boot=live components quiet splash fetch={{image_url}}/live/filesystem.squashfs',
      'boot=live components quiet splash fetch={{iso_url}}',
    ]);
  });

  it('offers only the whole ISO when the medium stacks several layers, since one would boot an incomplete system', async () => {
    const r = await inspect(tails(['filesystem.squashfs', 'Tails_amd64_6.1_to_6.2.squashfs']), 1700 * MiB);
    expect(r.plans.map((p) => p.id)).toEqual(['iso']);
    expect(r.plans[0]!.title).toMatch(/2 layers/);
    expect(r.plans[0]!.minRamMiB).toBeGreaterThanOrEqual(2 * 1700);
  });

  it('counts every squashfs in /live as a layer when no module file lists them, as live-boot does', async () => {
    const tree = { ...tails(['filesystem.squashfs', 'extra.squashfs']) };
    delete tree['/live/Tails.module'];
    const r = await inspect(tree, 1700 * MiB);
    expect(r.plans.map((p) => p.id)).toEqual(['iso']);
  });

  it("drops words holding the boot menu's own variables, which iPXE would expand to nothing", async () => {
    const tree = { ...tails(['filesystem.squashfs']) };
    tree['/isolinux/isolinux.cfg'] = String(tree['/isolinux/isolinux.cfg']).replace('module=Tails', 'module=Tails bootid=${bootid}');
    const r = await inspect(tree, 1400 * MiB);
    expect(r.plans[0]!.cmdline).not.toMatch(/bootid|\$\{/);
  });

  it('notes a module file that names layers the medium does not hold, and falls back to the squashfs files there', async () => {
    const tree = { ...tails(['filesystem.squashfs']), '/live/Tails.module': 'filesystem.squashfs\nmissing.squashfs\n' };
    const r = await inspect(tree, 1400 * MiB);
    expect(r.notes.join(' ')).toMatch(/Tails\.module lists filesystem\.squashfs, missing\.squashfs/);
    expect(r.plans.map((p) => p.id)).toEqual(['iso', 'http']);
  });
});
