import { createGunzip } from 'node:zlib';
import { placeholder } from '../../cmdline-template.ts';
import type { RecipeContext } from '../recipe.ts';
import { type InitramfsFamily, MIB, insertBeforeSeparator, without } from './family.ts';

/**
 * The Debian installer (d-i) and installers built the same way (Ubuntu's legacy alternate/server
 * media, Devuan). Its initrd comes in flavours, told apart by the retriever udeb it carries:
 * - netboot (net-retriever): brings the NIC up by DHCP and loads everything else from a mirror,
 *   so kernel + initrd over HTTP boot it as they are; `BOOTIF=` tells netcfg which NIC that is;
 * - CD (cdrom-retriever, the initrd of netinst/DVD ISOs): looks for the installation disc, finds
 *   none on a network-booted machine and stops at "No common CD-ROM drive was detected". Booting it
 *   needs the disc itself, which Bootcast cannot hand to this initrd: the plan says so.
 */
export const debianInstallerFamily: InitramfsFamily = {
  id: 'debian-installer',
  doc: {
    recipe: 'generic-linux/debian-installer',
    name: 'Debian installer, netboot initrd',
    examples: "Debian's netboot mini.iso, ISOs built with the netboot initrd, Devuan netboot",
    recognisedBy: 'kernel `/install*/vmlinuz` or `/linux` with `initrd.gz`, whose initrd carries `net-retriever`',
    served: 'kernel + initrd as on the medium, `BOOTIF=` for netcfg; the installer loads the rest from a Debian mirror (needs internet: NAT)',
    firmware: 'BIOS, UEFI',
    ram: '512 MiB (1 GiB for the graphical installer)',
    limits: ['the installer downloads its components and packages from a Debian mirror: the client needs internet (share it with NAT)'],
  },
  async adapt(input) {
    const flavour = await installerFlavour(input.ctx, input.kernel, input.initrds);
    if (flavour !== 'netboot') return null;
    return adaptation(input.words, 'debian-installer', 'installer, components from a Debian mirror', debianInstallerFamily.doc.limits);
  },
};

export const debianInstallerCdFamily: InitramfsFamily = {
  id: 'debian-installer-cd',
  doc: {
    recipe: 'generic-linux/debian-installer-cd',
    name: 'Debian installer, CD initrd',
    examples: 'Debian netinst/DVD ISOs, Ubuntu 18.04 alternate/server, Devuan ISOs',
    recognisedBy: 'kernel `/install*/vmlinuz` with `initrd.gz`, whose initrd carries `cdrom-retriever`',
    served: 'kernel + initrd as on the medium',
    firmware: 'BIOS, UEFI',
    ram: '512 MiB',
    limits: [
      'the CD initrd looks for the installation disc and stops at "No common CD-ROM drive was detected": use Debian\'s netboot mini.iso (same release) instead, which Bootcast boots to the installer',
    ],
  },
  async adapt(input) {
    const flavour = await installerFlavour(input.ctx, input.kernel, input.initrds);
    if (flavour !== 'cd') return null;
    return adaptation(input.words, 'debian-installer-cd', 'installer (CD initrd: looks for the disc)', debianInstallerCdFamily.doc.limits);
  },
};

function adaptation(w: string[], family: string, how: string, limits: string[]) {
  return {
    family,
    cmdline: insertBeforeSeparator(without(w, /^BOOTIF=/), [`BOOTIF=01-${placeholder('mac_hyphen')}`]).join(' '),
    ramBytes: 512 * MIB,
    how,
    limits,
  };
}

const KERNEL = /^\/(install[^/]*\/(vmlinuz|linux)|linux)$/i;
const INITRD_MAX = 192 * MIB;
/** Decompressed bytes to look through: the retriever udebs' files sit in the first tens of MiB. */
const SCAN_MAX = 512 * MIB;

const flavours = new WeakMap<RecipeContext, Promise<'netboot' | 'cd' | null>>();

/** 'netboot' | 'cd' from the initrd's retriever, null when this is not a d-i medium. Read once per inspection. */
function installerFlavour(ctx: RecipeContext, kernel: string, initrds: readonly string[]): Promise<'netboot' | 'cd' | null> {
  let p = flavours.get(ctx);
  if (!p) {
    p = (async () => {
      const initrd = initrds.find((i) => /\/initrd\.gz$/i.test(i));
      if (!KERNEL.test(kernel) || !initrd) return null;
      const bytes = await ctx.readBytes(initrd, INITRD_MAX);
      if (!bytes) {
        ctx.note(`debian-installer: cannot read ${initrd} (or it is larger than ${INITRD_MAX / MIB} MiB)`);
        return null;
      }
      const found = await scanGzip(bytes, ['retriever/net-retriever', 'retriever/cdrom-retriever']);
      if (found === 'retriever/net-retriever') return 'netboot';
      if (found === 'retriever/cdrom-retriever') return 'cd';
      ctx.note(`debian-installer: ${initrd} holds neither net-retriever nor cdrom-retriever`);
      return null;
    })();
    flavours.set(ctx, p);
  }
  return p;
}

/** The first of `needles` in the gunzipped stream; stops reading as soon as one is seen. */
function scanGzip(bytes: Uint8Array, needles: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const keep = Math.max(...needles.map((n) => n.length));
    let tail = '';
    let seen = 0;
    let done = false;
    const finish = (v: string | null) => {
      if (done) return;
      done = true;
      gunzip.destroy();
      resolve(v);
    };
    gunzip.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      const text = tail + chunk.toString('latin1');
      const hit = needles.find((n) => text.includes(n));
      if (hit) return finish(hit);
      tail = text.slice(-keep);
      if (seen > SCAN_MAX) finish(null);
    });
    gunzip.on('error', () => finish(null));
    gunzip.on('end', () => finish(null));
    gunzip.end(bytes);
  });
}
