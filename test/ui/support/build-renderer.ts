import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { build } from 'vite';
import { rendererAliases } from '../../../aliases.config.ts';

const repo = resolve(import.meta.dirname, '../../..');

/**
 * Builds the renderer the way electron.vite.config.ts does (same root, base and plugin) into a
 * fresh directory, so the browser tests never depend on a stale `npm run build`.
 */
export async function buildRenderer(outDir?: string): Promise<string> {
  outDir ??= await mkdtemp(join(tmpdir(), 'bootcast-renderer-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    root: join(repo, 'src-renderer'),
    base: './',
    plugins: [vue()],
    resolve: { alias: rendererAliases },
    build: { outDir, emptyOutDir: true, rollupOptions: { input: join(repo, 'src-renderer/index.html') } },
  });
  return outDir;
}
