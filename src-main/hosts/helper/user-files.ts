// The root helper never touches the user's folders as root: a path it follows there could be a
// symlink the user swapped in a moment earlier. Every read and write in them runs synchronously
// with the user's effective ids, so it can reach only what the user could reach anyway.
import { closeSync, constants, lstatSync, openSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Owner {
  uid: number;
  gid: number;
}

/** Runs `fn` with the owner's effective ids (synchronous only: nothing else runs in between). */
export function asUser<T>(owner: Owner, fn: () => T): T {
  if (process.geteuid?.() !== 0 || !process.seteuid || !process.setegid) return fn();
  process.setegid(owner.gid);
  process.seteuid(owner.uid);
  try {
    return fn();
  } finally {
    process.seteuid(0);
    process.setegid(0);
  }
}

/** Opened, not access(2)ed: access checks the real uid, which stays root. O_NONBLOCK: a FIFO must not hang us. */
export function readableBy(path: string, owner: Owner): boolean {
  return asUser(owner, () => {
    try {
      closeSync(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
      return true;
    } catch {
      return false;
    }
  });
}

/** The engine's state files worth sharing with the window and `bootcast serve`. */
const SHARED_FILES = ['settings.json', 'images.json'];
const MAX_FILE_BYTES = 16 << 20;

function regularFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => {
      const st = lstatSync(join(dir, name));
      return st.isFile() && st.size <= MAX_FILE_BYTES;
    });
  } catch {
    return [];
  }
}

/** Copies the user's settings and library into the helper's private (root-only) data folder. */
export function copyInFromUser(userDir: string, privateDir: string, owner: Owner): void {
  const files = asUser(owner, () =>
    SHARED_FILES.flatMap((name) => {
      try {
        const st = lstatSync(join(userDir, name));
        return st.isFile() && st.size <= MAX_FILE_BYTES ? [{ name, data: readFileSync(join(userDir, name)) }] : [];
      } catch {
        return [];
      }
    }),
  );
  for (const f of files) writeFileSync(join(privateDir, f.name), f.data, { mode: 0o600 });
}

/** Writes the engine's settings, library and event logs back into the user's folder, as the user. */
export function copyOutToUser(privateDir: string, userDir: string, owner: Owner): void {
  const top = SHARED_FILES.filter((n) => regularFiles(privateDir).includes(n)).map((name) => ({ rel: name, data: readFileSync(join(privateDir, name)) }));
  const logs = regularFiles(join(privateDir, 'logs')).map((name) => ({ rel: join('logs', name), data: readFileSync(join(privateDir, 'logs', name)) }));
  asUser(owner, () => {
    mkdirSync(join(userDir, 'logs'), { recursive: true });
    for (const f of [...top, ...logs]) {
      try {
        writeFileSync(join(userDir, f.rel), f.data);
      } catch {
        // the user removed or locked it: their folder, their call
      }
    }
  });
}
