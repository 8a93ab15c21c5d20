import { chmod, cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildRenderer } from './build-renderer.ts';

const repo = resolve(import.meta.dirname, '../../..');
/** Where `bootcast serve --ui-port` reads the web UI from (serve-command.ts RENDERER_DIR). */
export const SERVED_RENDERER_DIR = join(repo, 'out/renderer');

/** What the renderer bundle is built from: its own sources, the shared API types and the preload bridge it imports. */
const SOURCES = ['src-renderer', 'src-main/shared', 'src-main/preload', 'electron.vite.config.ts', 'aliases.config.ts'].map((p) => join(repo, p));

async function newestMtime(path: string): Promise<number> {
  const s = await stat(path).catch(() => null);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.filter((e) => e !== 'node_modules').map((e) => newestMtime(join(path, e))));
  return Math.max(s.mtimeMs, ...times);
}

/**
 * Makes sure `out/renderer` (what a `bootcast serve` child process serves) is built from the
 * current sources: rebuilt with the browser tests' own vite build when index.html is missing or
 * older than any source. The new build is copied beside the old one and swapped in by renames,
 * so a concurrently running server never sees a half-written directory for long.
 */
export async function ensureServedRenderer(): Promise<{ dir: string; rebuilt: boolean }> {
  const built = (await stat(join(SERVED_RENDERER_DIR, 'index.html')).catch(() => null))?.mtimeMs ?? 0;
  const sources = Math.max(...(await Promise.all(SOURCES.map(newestMtime))));
  if (built > sources) return { dir: SERVED_RENDERER_DIR, rebuilt: false };

  const fresh = await buildRenderer();
  const next = `${SERVED_RENDERER_DIR}.next-${process.pid}`;
  const old = `${SERVED_RENDERER_DIR}.old-${process.pid}`;
  try {
    await mkdir(join(repo, 'out'), { recursive: true });
    // cp, not rename: the fresh build is under the system tmpdir, often another file system.
    await cp(fresh, next, { recursive: true });
    // mkdtemp made the build private (0700); the served directory is an ordinary build output.
    await chmod(next, 0o755);
    await rename(SERVED_RENDERER_DIR, old).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(next, SERVED_RENDERER_DIR);
  } finally {
    await Promise.all([fresh, next, old].map((p) => rm(p, { recursive: true, force: true })));
  }
  return { dir: SERVED_RENDERER_DIR, rebuilt: true };
}
