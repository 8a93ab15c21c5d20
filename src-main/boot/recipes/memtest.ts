import type { BootPlan } from '../../shared/api.ts';
import type { RecipeDoc } from './recipe-doc.ts';
import { type Recipe, fileSize } from './recipe.ts';

/**
 * memtest86+ 6.x media (Debian's memtest86+x64.iso, the upstream ISOs): one binary at
 * /EFI/BOOT/BOOTX64.EFI (BOOTIA32.EFI for 32-bit) that is both a UEFI program and a Linux-boot-
 * protocol image (a bzImage setup header). iPXE's `kernel` starts it on BIOS through that header
 * and on UEFI as an EFI program, so one plan serves both; the ISO's BIOS El Torito entry is a
 * floppy image that iPXE's sanboot cannot start.
 *
 * `console=ttyS0,115200` makes memtest86+ mirror its screen to the first serial port: servers'
 * serial-over-LAN consoles show the test, and a machine without a UART loses nothing.
 */
const LOADERS: Array<[string, string]> = [
  ['/EFI/BOOT/BOOTX64.EFI', 'x86_64'],
  ['/EFI/BOOT/BOOTIA32.EFI', 'i686'],
];
const SIGNATURE = /Memtest86\+/;
const LIMITS = ['Secure Boot must be off: the memtest86+ binary on the ISO is not signed'];

export const memtestDoc: RecipeDoc = {
  recipe: 'memtest86+',
  name: 'memtest86+ 6',
  examples: "memtest86+ 6.x ISOs (Debian's memtest86+x64.iso / ia32.iso, upstream releases)",
  recognisedBy: '`/EFI/BOOT/BOOTX64.EFI` (or `BOOTIA32.EFI`) containing the memtest86+ signature',
  served: 'that one binary: iPXE starts it through its Linux boot header on BIOS and as an EFI program on UEFI; `console=ttyS0,115200` mirrors it to the serial port',
  firmware: 'BIOS, UEFI',
  ram: '64 MiB',
  limits: LIMITS,
};

export const memtestRecipe: Recipe = {
  name: 'memtest86+',
  async detect(ctx) {
    for (const [path, arch] of LOADERS) {
      const entry = await ctx.stat(path);
      if (entry?.kind !== 'file' || fileSize(entry) > 8 * 1024 * 1024) continue;
      const text = await ctx.readText(entry.path, 8 * 1024 * 1024);
      if (!text || !SIGNATURE.test(text)) continue;
      const plan: BootPlan = {
        id: 'http',
        recipe: 'memtest86+',
        title: 'memtest86+ over HTTP',
        via: 'http',
        kernel: entry.path,
        initrds: [],
        cmdline: 'console=ttyS0,115200',
        minRamMiB: 64,
        firmware: ['bios', 'uefi'],
        limits: LIMITS,
      };
      return { recipe: 'memtest86+', plans: [plan], arch };
    }
    return null;
  },
};
