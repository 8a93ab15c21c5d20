import { describe, expect, it } from 'vitest';
import { IsoImage } from '../../iso/iso-image.ts';
import { humanBytes, infoSections, renderInfo, type InfoSectionProvider } from './iso-info.ts';

const IPXE_ISO = '/usr/lib/ipxe/ipxe.iso';

describe('iso info sections', () => {
  it('appends a later section (the boot plan) after the built-in ones, in text and JSON', async () => {
    const plan: InfoSectionProvider = async (image, summary) => ({
      title: 'Boot plan',
      lines: [`kernel ${summary.bootFiles.find((f) => f.role === 'kernel')?.path} from ${image.volumeId}`],
      json: { bootPlan: { kernel: '/ipxe.krn' } },
    });
    const img = await IsoImage.open(IPXE_ISO);
    try {
      const text = await renderInfo(img, false, [...infoSections(), plan]);
      expect(text.trimEnd().split('\n').slice(-2)).toEqual(['Boot plan', '  kernel /ipxe.krn from ISOIMAGE']);
      expect(text.indexOf('El Torito')).toBeLessThan(text.indexOf('Boot files'));
      const json = JSON.parse(await renderInfo(img, true, [...infoSections(), plan]));
      expect(json).toMatchObject({ volumeId: 'ISOIMAGE', bootPlan: { kernel: '/ipxe.krn' } });
    } finally {
      await img.close();
    }
  });

  it('leaves out sections that return null', async () => {
    const img = await IsoImage.open(IPXE_ISO);
    try {
      expect(await renderInfo(img, false, [() => null, () => ({ title: 'Only', lines: ['this'] })])).toBe('Only\n  this\n');
    } finally {
      await img.close();
    }
  });

  it('prints sizes in binary units with the exact byte count', () => {
    expect([humanBytes(512), humanBytes(884_736), humanBytes(5 * 2 ** 30)]).toEqual(['512 bytes', '864.0 KiB (884736 bytes)', '5.0 GiB (5368709120 bytes)']);
  });
});
