import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';
import { rendererAliases } from './aliases.config.ts';

// `npm test`: unit, integration (real sockets on loopback), interop (real clients: curl, tftp-hpa,
// udhcpc in namespaces the tests create) and the renderer's component and browser tests.
// The slow QEMU boots live in vitest.e2e.config.ts (`npm run test:e2e`).
export default defineConfig({
  // Component tests import .vue single-file components.
  plugins: [vue()],
  resolve: { alias: rendererAliases },
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/interop/**/*.test.ts', 'test/ui/**/*.test.ts', 'test/support/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Network-namespace tests share fixed namespace names per file; files run in parallel
    // only as far as the machine's 2 cores allow.
    pool: 'forks',
  },
});
