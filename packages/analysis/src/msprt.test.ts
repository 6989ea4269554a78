import { describe, expect, it } from 'vitest';
import { msprt } from './msprt.js';

describe('msprt', () => {
  it('matches the hand-computed likelihood ratio, p-value and interval half-width', () => {
    // Δ̂ = 0.03, V = 1e-4, τ = 0.05², α = 0.05 (values from an independent computation of STATISTICS.md's formulas)
    const look = msprt(0.03, 1e-4, 0.0025, 0.05);
    expect(look.logLambda).toBeCloseTo(2.697874807912336, 10);
    expect(look.p).toBeCloseTo(0.06734848923611902, 10);
    expect(look.halfWidth).toBeCloseTo(0.031015388968276124, 10);
  });

  it('caps the p-value at 1 when the evidence favours no difference', () => {
    const look = msprt(0.01, 1e-4, 0.0025, 0.05);
    expect(look.logLambda).toBeCloseTo(-1.1482790382415102, 10);
    expect(look.p).toBe(1);
  });

  it('judges zero variance by the point values: equal passes, different is decisive', () => {
    expect(msprt(0, 0, 0.0025, 0.05)).toEqual({ logLambda: 0, p: 1, halfWidth: 0 });
    expect(msprt(0.01, 0, 0.0025, 0.05).p).toBe(0);
    expect(msprt(-0.01, 0, 0.0025, 0.05).logLambda).toBe(Number.POSITIVE_INFINITY);
  });

  it('does not overflow on overwhelming evidence', () => {
    const look = msprt(0.5, 1e-8, 0.0025, 0.05);
    expect(look.p).toBe(0);
    expect(Number.isFinite(look.logLambda)).toBe(true);
  });

  it('refuses a non-positive mixing variance', () => {
    expect(() => msprt(0.1, 1e-4, 0, 0.05)).toThrow(/tau/);
  });
});
