import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Where `npm run build` (electron-vite) puts the renderer, relative to this file in the repository. */
export function defaultRendererDir(): string {
  return resolve(import.meta.dirname, '../../../out/renderer');
}

/**
 * Fails early, with what to do, when the web UI has not been built: otherwise the browser would
 * only show "not found" and the user would not know why.
 */
export async function checkRendererBuilt(dir: string): Promise<void> {
  const index = await stat(join(dir, 'index.html')).catch(() => null);
  if (!index?.isFile()) {
    throw new Error(`the web UI is not built: ${join(dir, 'index.html')} is missing. Run \`npm run build\` once, then start bootcast again.`);
  }
}
