import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts daemon processes of its own; running files one by one keeps the 2-core machines calm.
    fileParallelism: false,
  },
});
