import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A hang guard, not a speed goal: CI runs every package's suite at once on two cores, where property tests and
    // simulations that take a second on a quiet machine can take several times the 5 s default.
    testTimeout: 30_000,
  },
});
