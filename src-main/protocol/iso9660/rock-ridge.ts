import { IsoFormatError } from './iso-format-error.ts';
import { both32, shortDate, longDate, utf8String } from './fields.ts';
import type { SuspEntry } from './susp.ts';

/**
 * Rock Ridge (IEEE P1282, RRIP 1.10/1.12) attributes gathered from a record's SUSP entries,
 * including those in continuation areas. Fields are absent when the image does not say.
 */
export interface RockRidge {
  name?: string;
  /** POSIX st_mode (file type bits included). */
  mode?: number;
  nlink?: number;
  uid?: number;
  gid?: number;
  symlinkTarget?: string;
  modified?: Date;
  /** CL: this placeholder file stands for a directory relocated to this sector (RRIP §4.1.5.1). */
  childLinkSector?: number;
  /** RE: this directory is a relocated one; it must not be shown where it is stored (RRIP §4.1.5.3). */
  relocated?: boolean;
  /** ZF: zisofs-compressed content; the bytes on disc are not the file's bytes. */
  zisofs?: boolean;
}

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;

/** Bounds NM/SL assembly: PATH_MAX-sized names are the most any writer produces. */
export const MAX_RR_NAME = 4096;

/** RRIP §4.1.4 NM flags. */
const NM_CONTINUE = 1, NM_CURRENT = 2, NM_PARENT = 4;
/** RRIP §4.1.3.1 SL component flags. */
const SLC_CONTINUE = 1, SLC_CURRENT = 2, SLC_PARENT = 4, SLC_ROOT = 8;
/** RRIP §4.1.6 TF flags: which stamps follow, in this order; LONG_FORM selects 17-byte dates. */
const TF_CREATE = 1, TF_MODIFY = 2, TF_LONG_FORM = 128;

/**
 * Folds the entries (main area first, then each continuation area, in order) into attributes.
 * NM and SL may be split over several entries, each flagged CONTINUE.
 */
export function readRockRidge(entries: readonly SuspEntry[]): RockRidge {
  const rr: RockRidge = {};
  const nameParts: Uint8Array[] = [];
  let nameDone = false;
  let nameBytes = 0;
  const link: string[] = [];
  let linkComponent = '';
  let linkComponentOpen = false;
  for (const e of entries) {
    const d = e.data;
    switch (e.signature) {
      case 'NM': {
        if (nameDone || d.byteLength < 1) break;
        const flags = d[0]!;
        if (flags & (NM_CURRENT | NM_PARENT)) break; // names of '.' and '..': keep ISO ones
        nameParts.push(d.subarray(1));
        nameBytes += d.byteLength - 1;
        if (nameBytes > MAX_RR_NAME) throw new IsoFormatError('limit', `Rock Ridge NM name longer than ${MAX_RR_NAME} bytes`);
        if (!(flags & NM_CONTINUE)) nameDone = true;
        break;
      }
      case 'PX':
        if (d.byteLength >= 32) {
          rr.mode = both32(d, 0);
          rr.nlink = both32(d, 8);
          rr.uid = both32(d, 16);
          rr.gid = both32(d, 24);
        }
        break;
      case 'SL': {
        if (d.byteLength < 1) break;
        let at = 1; // byte 0: SL flags (CONTINUE: next SL continues this link; no separate handling needed)
        while (at + 2 <= d.byteLength) {
          const cflags = d[at]!, clen = d[at + 1]!;
          if (at + 2 + clen > d.byteLength) {
            throw new IsoFormatError('bad-field', `Rock Ridge SL component of ${clen} bytes runs past its entry`);
          }
          let text = '';
          if (cflags & SLC_ROOT) text = '';
          else if (cflags & SLC_CURRENT) text = '.';
          else if (cflags & SLC_PARENT) text = '..';
          else text = utf8String(d.subarray(at + 2, at + 2 + clen));
          if (cflags & SLC_ROOT) {
            link.length = 0;
            link.push('');
            linkComponent = '';
            linkComponentOpen = false;
          } else {
            linkComponent += text;
            if (cflags & SLC_CONTINUE) linkComponentOpen = true;
            else {
              link.push(linkComponent);
              linkComponent = '';
              linkComponentOpen = false;
            }
          }
          if (link.reduce((n, s) => n + s.length + 1, 0) > MAX_RR_NAME) {
            throw new IsoFormatError('limit', `Rock Ridge SL symlink target longer than ${MAX_RR_NAME} bytes`);
          }
          at += 2 + clen;
        }
        break;
      }
      case 'TF': {
        if (d.byteLength < 1) break;
        const flags = d[0]!;
        const size = flags & TF_LONG_FORM ? 17 : 7;
        let at = 1;
        if (flags & TF_CREATE) at += size;
        if (flags & TF_MODIFY && at + size <= d.byteLength) rr.modified = size === 7 ? shortDate(d, at) : longDate(d, at);
        break;
      }
      case 'CL':
        if (d.byteLength >= 8) rr.childLinkSector = both32(d, 0);
        break;
      case 'RE':
        rr.relocated = true;
        break;
      case 'ZF':
        rr.zisofs = true;
        break;
    }
  }
  if (nameParts.length) {
    const all = new Uint8Array(nameBytes);
    let at = 0;
    for (const p of nameParts) {
      all.set(p, at);
      at += p.byteLength;
    }
    rr.name = utf8String(all);
  }
  if (linkComponentOpen) link.push(linkComponent);
  if (link.length) {
    rr.symlinkTarget = link.length === 1 && link[0] === '' ? '/' : link.join('/');
  }
  return rr;
}

/** True when any entry is a Rock Ridge one (used when an image lacks the SP/ER announcement). */
export function hasRockRidgeEntries(entries: readonly SuspEntry[]): boolean {
  return entries.some((e) => ['NM', 'PX', 'SL', 'TF', 'CL', 'RE', 'PN', 'RR'].includes(e.signature));
}
