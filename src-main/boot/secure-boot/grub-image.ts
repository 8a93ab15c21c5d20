import { readPeImage, sectionBytes } from './pe-image.ts';

/**
 * What a GRUB EFI image (grub-mkimage output) carries in its "mods" section (GRUB's
 * include/grub/kernel.h: a module-info header, then objects of type ELF module, memdisk, config,
 * prefix …): the built-in prefix, which decides where it looks for grub.cfg, and the names of
 * the built-in modules, which decide whether it can read files over the network at all. Signed
 * GRUB cannot load further modules under Secure Boot, so what is built in is all there is.
 */
export interface GrubImage {
  /** mkimage's -p value, e.g. "/grub" (Debian's grubnetx64) or "/boot/grub" (the CD build). */
  prefix: string;
  /** The embedded early config, when there is one. */
  config?: string;
  modules: string[];
  /** Built with `tftp` (and `efinet`): can fetch its config and the kernel over TFTP. */
  tftp: boolean;
  /** Built with `http`. */
  http: boolean;
}

const MODULE_INFO_MAGIC = 0x676d696d; // "mimg"
const OBJ_ELF = 0;
const OBJ_CONFIG = 2;
const OBJ_PREFIX = 3;

/** null when `bytes` is not a GRUB EFI image. */
export function readGrubImage(bytes: Uint8Array): GrubImage | null {
  const pe = readPeImage(bytes);
  if (!pe) return null;
  const mods = sectionBytes(bytes, pe, 'mods');
  if (!mods || mods.length < 24) return null;
  const view = new DataView(mods.buffer, mods.byteOffset, mods.byteLength);
  if (view.getUint32(0, true) !== MODULE_INFO_MAGIC) return null;
  const offset = Number(view.getBigUint64(8, true));
  const size = Math.min(Number(view.getBigUint64(16, true)), mods.length);
  const text = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: false }).decode(b).replace(/\0+$/, '');
  const out: GrubImage = { prefix: '', modules: [], tftp: false, http: false };
  for (let p = offset; p + 8 <= size; ) {
    const type = view.getUint32(p, true);
    const len = view.getUint32(p + 4, true);
    if (len < 8 || p + len > size) break;
    const body = mods.subarray(p + 8, p + len);
    if (type === OBJ_PREFIX) out.prefix = text(body);
    else if (type === OBJ_CONFIG) out.config = text(body);
    else if (type === OBJ_ELF) {
      const name = elfModuleName(body);
      if (name) out.modules.push(name);
    }
    p += len;
  }
  out.tftp = out.modules.includes('tftp') && out.modules.includes('efinet');
  out.http = out.modules.includes('http') && out.modules.includes('efinet');
  return out;
}

/** The `.modname` section of a GRUB module (an ELF64 relocatable object). */
function elfModuleName(elf: Uint8Array): string | null {
  if (elf.length < 64 || elf[0] !== 0x7f || elf[1] !== 0x45 || elf[4] !== 2) return null;
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  if (shentsize < 64 || shstrndx >= shnum || shoff + shnum * shentsize > elf.length) return null;
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { name: v.getUint32(at, true), offset: Number(v.getBigUint64(at + 24, true)), size: Number(v.getBigUint64(at + 32, true)) };
  };
  const strings = section(shstrndx);
  const cstr = (o: number) => {
    const end = elf.indexOf(0, o);
    return new TextDecoder('latin1').decode(elf.subarray(o, end < 0 ? elf.length : end));
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (strings.offset + s.name >= elf.length) continue;
    if (cstr(strings.offset + s.name) === '.modname' && s.offset + s.size <= elf.length) return cstr(s.offset);
  }
  return null;
}
