/**
 * A stand-in for the share's loop mount where the kernel has no UDF/ISO 9660 (this container):
 * bind-mounts the tree the test built the ISO from, read-only, at the share's directory. Real
 * mounts and unmounts, so a test still sees whether the share leaves one behind.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IsoMounter } from '../../src-main/net/setup-share/iso-mounter.ts';

export function bindTreeMounter(treeFor: (image: string) => string): IsoMounter & { mounts: string[] } {
  const mounts: string[] = [];
  return {
    mounts,
    async mount(image, dir) {
      execFileSync('mount', ['--bind', treeFor(image), dir]);
      execFileSync('mount', ['-o', 'remount,ro,bind', dir]);
      mounts.push(dir);
    },
    async unmount(dir) {
      execFileSync('umount', [dir]);
    },
  };
}

/** Whether `dir` is a mount point in this process's mount namespace. */
export function isMountPoint(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

/** Live processes started with this smb.conf (zombies, which this container's init never reaps, are not processes that run). */
export function smbdProcessesWith(configFile: string): number[] {
  const out: number[] = [];
  for (const name of execFileSync('ls', ['/proc'], { encoding: 'utf8' }).split('\n')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(`--configfile=${configFile}`)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
