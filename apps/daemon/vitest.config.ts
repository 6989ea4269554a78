import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CI runs every package's suite at once on two cores; the manual-clock simulations of multi-day rollouts run
    // thousands of controller looks and need more than the 5 s default when the machine is busy.
    testTimeout: 20_000,
  },
});
