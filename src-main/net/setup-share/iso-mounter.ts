import { runCommand, describeFailure, type CommandRunner } from '../nat/command-runner.ts';

/**
 * Mounting an ISO read-only at a directory: the one seam between the Windows Setup share and the
 * kernel's file systems, so the rest of the share runs for real where the kernel has no UDF
 * (tests bind-mount an extracted tree instead).
 */
export interface IsoMounter {
  /** Mounts `image` read-only at `dir` (which exists); throws a sentence saying what to do. */
  mount(image: string, dir: string): Promise<void>;
  unmount(dir: string): Promise<void>;
}

/**
 * Linux: a read-only loop mount, UDF first (Windows media are UDF bridges whose ISO 9660 side is
 * a stub), ISO 9660 otherwise. mode/dmode make every file readable by smbd's guest account
 * (`nobody`) whatever permissions the medium records; both file systems take these options.
 */
export function loopIsoMounter(run: CommandRunner = runCommand): IsoMounter {
  return {
    async mount(image, dir) {
      const args = ['-t', 'udf,iso9660', '-o', 'ro,loop,mode=0444,dmode=0555', image, dir];
      const r = await run('mount', args);
      if (r.code === 0) return;
      const why = describeFailure('mount', args, r);
      const hint = /unknown filesystem type|wrong fs type/i.test(r.stderr)
        ? 'the kernel needs UDF or ISO 9660 support (`sudo modprobe udf`)'
        : r.code === 127 ? '`mount` is not installed' : 'is the file a complete ISO image, and is Bootcast running as root?';
      throw new Error(`cannot mount ${image} read-only: ${hint} (${why})`);
    },
    async unmount(dir) {
      const r = await run('umount', [dir]);
      if (r.code === 0) return;
      // Busy (a stray process inside): detach now, the kernel frees it when the last user leaves.
      const lazy = await run('umount', ['-l', dir]);
      if (lazy.code !== 0) throw new Error(`cannot unmount ${dir}: ${describeFailure('umount', ['-l', dir], lazy)}`);
    },
  };
}
