import { describe, expect, it } from 'vitest';
import { msprt, msprtHarm } from './msprt.js';

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

describe('msprtHarm', () => {
  /** The half-normal mixture's likelihood ratio by numerical integration (Simpson's rule over θ in [0, 12√τ]). */
  function integrated(delta: number, v: number, tau: number): number {
    const steps = 20_000;
    const top = 12 * Math.sqrt(tau);
    const h = top / steps;
    let sum = 0;
    for (let i = 0; i <= steps; i++) {
      const theta = i * h;
      const ratio = Math.exp((theta * delta) / v - (theta * theta) / (2 * v));
      const prior = (2 / Math.sqrt(2 * Math.PI * tau)) * Math.exp(-(theta * theta) / (2 * tau));
      sum += (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2) * ratio * prior;
    }
    return (sum * h) / 3;
  }

  it.each([
    [0.03, 1e-4, 0.0025],
    [0.005, 1e-4, 0.0025],
    [-0.01, 1e-4, 0.0025],
    [0.02, 4e-4, 0.0004],
  ])('equals the half-normal mixture integrated numerically (Δ̂ %s, V %s, τ %s)', (delta, v, tau) => {
    const look = msprtHarm(delta, v, tau, 0.05);
    expect(look.logLambda).toBeCloseTo(Math.log(integrated(delta, v, tau)), 6);
  });

  it('lies between the two-sided ratio and twice it on the harmful side, and keeps the two-sided interval', () => {
    for (const delta of [0.001, 0.01, 0.03, 0.08]) {
      const two = msprt(delta, 1e-4, 0.0025, 0.05);
      const harm = msprtHarm(delta, 1e-4, 0.0025, 0.05);
      expect(harm.logLambda).toBeGreaterThan(two.logLambda);
      expect(harm.logLambda).toBeLessThanOrEqual(two.logLambda + Math.LN2 + 1e-12);
      expect(harm.halfWidth).toBe(two.halfWidth);
    }
  });

  it('keeps its level under repeated looks at no harm (simulated: 2,000 runs of 200 looks, α = 0.05)', () => {
    // A null random walk of unit-variance steps, looked at after every step; the always-valid bound says ≤ α.
    let state = 0x2545f491;
    const uniform = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 4294967296;
    };
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    let rejected = 0;
    for (let run = 0; run < 2000; run++) {
      let sum = 0;
      for (let n = 1; n <= 200; n++) {
        sum += gaussian();
        if (msprtHarm(sum / n, 1 / n, 0.25, 0.05).p <= 0.05) {
          rejected++;
          break;
        }
      }
    }
    // ≤ α = 5% by Ville's inequality; in practice well under it. 3 standard errors of slack over 5%: 6.5%.
    expect(rejected / 2000).toBeLessThan(0.065);
    expect(rejected).toBeGreaterThan(0); // the test does reject sometimes: it is not vacuous
  });
});
