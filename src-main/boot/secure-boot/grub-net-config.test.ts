import { describe, expect, it } from 'vitest';
import type { BootPlan } from '../../shared/api.ts';
import { grubQuote, renderGrubConfig } from './grub-net-config.ts';

const PLAN: BootPlan = {
  id: 'http', recipe: 'generic-linux', title: 'Live system', via: 'http', kernel: '/live/vmlinuz', initrds: ['/live/initrd.img', '/live/extra.img'],
  cmdline: 'boot=live components fetch={{image_url}}/live/filesystem.squashfs BOOTIF=01-{{mac_hyphen}}', firmware: ['bios', 'uefi'],
};
const input = { serverAddress: '198.18.0.1', baseUrl: 'http://198.18.0.1:8080', mac: '52:54:00:12:34:56', menuTimeoutSec: 7, nbdPort: 10809 };

describe('renderGrubConfig', () => {
  it('boots one image at once: kernel and initrds over TFTP from the server, the plan\'s command line filled in', () => {
    const cfg = renderGrubConfig({ ...input, images: [{ id: 'debian', name: 'Debian 12', plan: PLAN }] });
    expect(cfg).toContain('set timeout=0');
    expect(cfg).toContain(
      "linux '(tftp,198.18.0.1)/images/debian/live/vmlinuz' 'boot=live' 'components' 'fetch=http://198.18.0.1:8080/images/debian/live/filesystem.squashfs' 'BOOTIF=01-52-54-00-12-34-56'",
    );
    expect(cfg).toContain("initrd '(tftp,198.18.0.1)/images/debian/live/initrd.img' '(tftp,198.18.0.1)/images/debian/live/extra.img'");
  });

  it('makes a menu with the menu timeout for several images', () => {
    const cfg = renderGrubConfig({ ...input, images: [{ id: 'a', name: 'A', plan: PLAN }, { id: 'b', name: 'B', plan: PLAN }] });
    expect(cfg).toContain('set timeout=7');
    expect(cfg.match(/^menuentry /gm)).toHaveLength(2);
  });

  it('says on the client\'s screen when there is nothing to boot, instead of dropping to a GRUB prompt', () => {
    expect(renderGrubConfig({ ...input, images: [] })).toMatch(/echo 'Bootcast: no image with a signed boot chain/);
  });

  it('keeps GRUB\'s special characters literal', () => {
    expect(grubQuote("a b$c;d'e")).toBe(`'a b$c;d'\\''e'`);
  });

  it('refuses a server address that is not IPv4 rather than writing it into a device name', () => {
    expect(() => renderGrubConfig({ ...input, serverAddress: '1.2.3.4) ; reboot', images: [] })).toThrow(RangeError);
  });
});
