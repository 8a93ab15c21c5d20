import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { rendererAliases } from './aliases.config.ts';

// The project keeps main-process code in src-main and the renderer in src-renderer, so every
// entry point is named here rather than relying on electron-vite's src/{main,preload,renderer}.
const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // package.json "main" is out/main/index.js.
      rollupOptions: { input: { index: resolve(root, 'src-main/hosts/electron/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(root, 'src-main/preload/index.ts') },
        // A CommonJS preload can run in a sandboxed renderer (an ESM preload cannot), so the
        // window keeps `sandbox: true`. `.cjs` because the package is "type": "module".
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [vue()],
    resolve: { alias: rendererAliases },
    // Relative asset URLs: the same build is loaded from file:// by Electron and from / by the headless host.
    base: './',
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
    },
  },
});
