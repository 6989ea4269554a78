import { describe, expect, it } from 'vitest';
import { poolAlpha } from './pool-alpha.js';

describe('poolAlpha', () => {
  it('keeps the whole alpha for a rollout with one pool', () => {
    expect(poolAlpha(0.05, 1, 0)).toBe(0.05);
  });

  it('gives the first pool half and shares the rest, so the pools together never spend more than alpha', () => {
    for (const pools of [2, 3, 5, 9]) {
      const spent = Array.from({ length: pools }, (_, i) => poolAlpha(0.05, pools, i)).reduce(
        (a, b) => a + b,
        0,
      );
      expect(spent).toBeCloseTo(0.05, 12);
      expect(poolAlpha(0.05, pools, 0)).toBe(0.025);
    }
  });
});
