import { isoInInitrdPath } from '../../image-urls.ts';
import { type InitramfsFamily, MIB } from './family.ts';

/**
 * Proxmox installers (VE, Backup Server, Mail Gateway): their initramfs looks for the installation
 * medium, and before that for an ISO at /proxmox.iso inside the initramfs itself — the hook
 * Proxmox's own PXE recipe (pve-iso-2-pxe) uses. Bootcast adds an initrd it generates while
 * streaming: a cpio archive holding the whole image at /proxmox.iso, read straight from the ISO
 * file. The command line stays as on the medium (its ramdisk_size= makes room for the ISO).
 */
const MARKERS = ['/.pve-cd-id.txt', '/.pbs-cd-id.txt', '/.pmg-cd-id.txt'];

export const proxmoxFamily: InitramfsFamily = {
  id: 'proxmox',
  doc: {
    recipe: 'generic-linux/proxmox',
    name: 'Proxmox installer (ISO in the initramfs)',
    examples: 'Proxmox VE, Proxmox Backup Server, Proxmox Mail Gateway',
    recognisedBy: '`/.pve-cd-id.txt`, `/.pbs-cd-id.txt` or `/.pmg-cd-id.txt`',
    served: 'kernel + initrd, plus a generated initrd (newc cpio, streamed) placing the whole ISO at `/proxmox.iso`',
    firmware: 'BIOS, UEFI',
    ram: 'twice the ISO + 1 GiB',
    limits: ['the whole ISO is loaded into RAM before the kernel starts; images of 4 GiB or more do not fit a cpio archive'],
  },
  async adapt({ ctx, words }) {
    let found = false;
    for (const m of MARKERS) if (await ctx.stat(m)) found = true;
    if (!found) return null;
    const iso = ctx.sizeBytes ?? 0;
    return {
      family: 'proxmox',
      cmdline: words.join(' '),
      ramBytes: 2 * iso + 1024 * MIB,
      how: 'installer, the whole ISO inside the initramfs',
      extraInitrds: [isoInInitrdPath('proxmox.iso')],
      limits: proxmoxFamily.doc.limits,
    };
  },
};
