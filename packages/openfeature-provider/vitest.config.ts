import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The suites wait on events (a stream opening, a reconnect) with deadlines made for a busy machine: CI runs every
    // package at once on two cores. The 5 s default would cut those waits short.
    testTimeout: 30_000,
  },
});
