import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: QEMU guests network-boot test ISOs from Bootcast inside network
// namespaces the tests build. Slow under TCG (tens of seconds per boot), so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
