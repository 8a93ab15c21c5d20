import { resolve } from 'node:path';

/**
 * Import aliases for the renderer: it reaches the shared contract as `@shared/…`. One table
 * for every bundler that builds or tests the renderer (electron-vite, vitest, the browser tests'
 * vite build); tsconfig.web.json's `paths` says the same to the type checker.
 */
export const rendererAliases = { '@shared': resolve(import.meta.dirname, 'src-main/shared') };
