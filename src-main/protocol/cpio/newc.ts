/**
 * The "newc" cpio format (SVR4 without CRC, magic 070701) the Linux kernel unpacks initramfs
 * archives from (Documentation/driver-api/early-userspace/buffer-format.rst): each entry is a
 * 110-byte ASCII header of 13 eight-digit hex fields, the NUL-terminated name padded to a multiple
 * of 4, then the data padded to a multiple of 4; the archive ends with an entry named TRAILER!!!.
 * The kernel accepts several archives concatenated, which is how an extra initrd adds a file.
 *
 * Only the framing is built here, never the data: a caller streams a file's bytes between
 * `entryHeader` and `entryPadding`, so a multi-GiB ISO is never copied into memory.
 */
const MAGIC = '070701';
/** filesize is 8 hex digits: newc cannot hold a file of 4 GiB or more. */
export const NEWC_MAX_FILE_BYTES = 0xffff_ffff;

export interface NewcEntry {
  /** Path inside the archive, without a leading '/' ("proxmox.iso"). */
  name: string;
  /** st_mode: type and permission bits (0o100644 for a regular file). */
  mode: number;
  size: number;
  /** Seconds since the epoch. */
  mtime?: number;
  ino?: number;
}

function hex8(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw new RangeError(`newc ${field} ${value} does not fit 8 hex digits (0…4294967295)`);
  return value.toString(16).padStart(8, '0');
}

export function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** Header + name + padding of one entry: the entry's data follows it. */
export function entryHeader(e: NewcEntry): Uint8Array {
  if (e.name === '' || e.name.startsWith('/') || e.name.includes('\0')) throw new RangeError(`newc entry name ${JSON.stringify(e.name)}: must be non-empty, relative and without NUL`);
  const name = new TextEncoder().encode(e.name);
  const fields = [
    e.ino ?? 1, e.mode, 0, 0, 1, e.mtime ?? 0, e.size,
    0, 0, 0, 0, // devmajor, devminor, rdevmajor, rdevminor
    name.byteLength + 1, 0, // namesize (with NUL), check
  ];
  const names = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'filesize', 'devmajor', 'devminor', 'rdevmajor', 'rdevminor', 'namesize', 'check'];
  const head = MAGIC + fields.map((v, i) => hex8(v, names[i]!)).join('');
  const total = head.length + name.byteLength + 1;
  const out = new Uint8Array(total + pad4(total));
  out.set(new TextEncoder().encode(head), 0);
  out.set(name, head.length);
  return out;
}

/** Zero bytes after `size` bytes of data, up to the next multiple of 4. */
export function entryPadding(size: number): Uint8Array {
  return new Uint8Array(pad4(size));
}

/** The end-of-archive entry. */
export function trailer(): Uint8Array {
  return entryHeader({ name: 'TRAILER!!!', mode: 0, size: 0, ino: 0 });
}
