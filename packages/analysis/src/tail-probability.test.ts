import { describe, expect, it } from 'vitest';
import { binomialUpperTail, normalUpperTail, poissonUpperTail } from './tail-probability.js';

describe('tail probabilities', () => {
  it('matches exact binomial tails', () => {
    // P(X ≥ 15) for Binomial(600, 0.01), summed term by term.
    let exact = 0;
    let term = 0.99 ** 600;
    for (let k = 0; k <= 600; k++) {
      if (k >= 15) exact += term;
      term *= ((600 - k) / (k + 1)) * (0.01 / 0.99);
    }
    expect(binomialUpperTail(15, 600, 0.01)).toBeCloseTo(exact, 10);
    expect(binomialUpperTail(0, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 12);
  });

  it('matches the normal tail', () => {
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-1.959964)).toBeCloseTo(0.975, 6);
    expect(normalUpperTail(3.090232)).toBeCloseTo(0.001, 6);
  });
});

describe('poissonUpperTail', () => {
  it('matches closed forms and a table value', () => {
    expect(poissonUpperTail(1, 1)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(poissonUpperTail(3, 2)).toBeCloseTo(1 - Math.exp(-2) * 5, 12);
    // P(X ≥ 15 | λ = 20) = 1 − P(X ≤ 14) = 1 − 0.104864.
    expect(poissonUpperTail(15, 20)).toBeCloseTo(0.895136, 5);
    expect(poissonUpperTail(0, 3)).toBe(1);
  });
});
