// Where the installed `bootcast` package lives, and its version. The CLI runs from source in a
// checkout (src-main/hosts/cli) and bundled when installed (out/cli): both find the package the
// same way, by walking up to the nearest package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function packageRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: is the bootcast package complete?`);
  }
}

export function packageVersion(root: string = packageRoot()): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

/** The built web UI the headless host serves (electron-vite's renderer output). */
export const rendererDir = (root: string = packageRoot()): string => join(root, 'out', 'renderer');

/** The loaders clients download (iPXE, wimboot): plain files shipped with the package. */
export const resourcesDir = (root: string = packageRoot()): string => join(root, 'resources');
