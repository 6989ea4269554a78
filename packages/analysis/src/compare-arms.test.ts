import { describe, expect, it } from 'vitest';
import { ArmAggregate } from './arm-aggregate.js';
import { mulberry32, normal } from './calibration/prng.js';
import { compareArms } from './compare-arms.js';
import { rateArm, span } from './test-spans.js';

const success = { name: 'success_rate' };

function tokensArm(pairs: Array<[tokens: number, count: number]>): ArmAggregate {
  const agg = new ArmAggregate();
  for (const [tokens, count] of pairs) agg.addSpan(span({ inputTokens: tokens }), count);
  return agg;
}

/** Log-normal latencies: median 1,200 ms, σ = 0.31 (p99 ≈ 2,480 ms), plus a shift. */
function latencyArm(n: number, shiftMs: number, seed: number): ArmAggregate {
  const random = mulberry32(seed);
  const agg = new ArmAggregate();
  for (let i = 0; i < n; i++)
    agg.addSpan(span({ durationMs: 1200 * Math.exp(0.31 * normal(random)) + shiftMs }));
  return agg;
}

describe('compareArms: regression test on a rate', () => {
  it('fails a 94.0% → 89.1% drop with the hand-computed p-value, interval and reason', () => {
    const { check, state } = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(3700, 222),
      canary: rateArm(412, 45),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
    expect(check.status).toBe('Degraded');
    // V = p̂c(1 − p̂c)/412 + max(p̂s(1 − p̂s), p̄(1 − p̄))/3,700 with the pooled p̄ = 3,845/4,112 = 2.5256e-4.
    // The two-sided mixture gives p = 0.0423274; the harm-side one divides it by 2Φ(z′), z′ = Δ̂·√(τ/(V(V + τ))) =
    // 2.9518, Φ(z′) = 0.998420 (computed independently).
    expect(check.pValue).toBeCloseTo(0.04232739922052075 / (2 * 0.99842), 5);
    expect(check.interval?.[0]).toBeCloseTo(-0.0492233 - 0.048273, 6);
    expect(check.interval?.[1]).toBeCloseTo(-0.0492233 + 0.048273, 6);
    expect(check.n).toEqual({ stable: 3700, canary: 412 });
    expect(check.reason).toBe(
      'success_rate canary 89.1% vs stable 94.0%: −4.9 points, always-valid 95% interval [−9.7, −0.1] (n=412/3,700); unit unknown: requests treated as independent',
    );
    expect(state).toEqual({ looks: 1, minP: check.pValue, tau: 0.0025 });
  });

  it('passes identical arms with status OK', () => {
    const { check } = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(3700, 222),
      canary: rateArm(400, 24),
      alpha: 0.05,
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Pass', 'OK']);
  });

  it('shows Watch when the canary is worse but not significantly', () => {
    const { check } = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(3700, 222),
      canary: rateArm(400, 30),
      alpha: 0.05,
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Pass', 'Watch']);
  });

  it('shows Improved when the interval lies wholly on the good side', () => {
    const { check } = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(3700, 222),
      canary: rateArm(2000, 20),
      alpha: 0.05,
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Pass', 'Improved']);
    expect(check.interval?.[0]).toBeGreaterThan(0);
  });

  it('is Inconclusive below the minimum samples and leaves the state alone', () => {
    const prior = { looks: 2, minP: 0.5, tau: 0.0025 };
    const { check, state } = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(3700, 222),
      canary: rateArm(99, 50),
      alpha: 0.05,
      minSamples: 100,
      state: prior,
    });
    expect([check.result, check.status]).toEqual(['Inconclusive', 'Inconclusive']);
    expect(check.reason).toContain('too few samples (n=99/3,700, need 100 per arm)');
    expect(state).toBe(prior);
  });

  it('is Inconclusive without data, never Pass', () => {
    const { check } = compareArms({
      config: { name: 'satisfaction' },
      kind: 'regression',
      stable: rateArm(500, 0),
      canary: rateArm(500, 0),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Inconclusive');
    expect(check.reason).toBe('satisfaction: no stable data');
  });

  it('judges zero variance by the point values', () => {
    const same = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(500, 0),
      canary: rateArm(200, 0),
      alpha: 0.05,
      minSamples: 100,
    });
    expect([same.check.result, same.check.status, same.check.interval]).toEqual(['Pass', 'OK', [0, 0]]);
    const broken = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(500, 0),
      canary: rateArm(200, 200),
      alpha: 0.05,
      minSamples: 100,
    });
    // The pooled p̄ = 5/7 floors both variances, so the difference is judged, and found overwhelming.
    expect(broken.check.result).toBe('Fail');
    expect(broken.check.pValue).toBeLessThan(1e-50);
  });

  it('keeps failing once harm was shown: the p-value is a running minimum', () => {
    const first = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(3700, 222),
      canary: rateArm(412, 45),
      alpha: 0.05,
      minSamples: 100,
    });
    const later = compareArms({
      config: success,
      kind: 'regression',
      stable: rateArm(7400, 444),
      canary: rateArm(824, 60),
      alpha: 0.05,
      minSamples: 100,
      ...(first.state === undefined ? {} : { state: first.state }),
    });
    expect(later.check.result).toBe('Fail');
    expect(later.state?.looks).toBe(2);
    expect(later.check.reason).toContain('harm shown earlier');
  });
});

describe('compareArms: relative limits', () => {
  it('fails tokens beyond maxIncrease 50% with the hand-computed statistic', () => {
    // stable mean 200 (var 10,000), canary mean 350 (var 10,000): Δ̂ = 350 − 1.5·200 = 50,
    // V = 10,000/400 + 1.5²·10,000/400 = 81.25, τ = (0.5·200)² = 10,000.
    const { check, state } = compareArms({
      config: { name: 'tokens_per_request', maxIncrease: 0.5 },
      kind: 'relative',
      stable: tokensArm([
        [100, 200],
        [300, 200],
      ]),
      canary: tokensArm([
        [250, 200],
        [450, 200],
      ]),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
    // Two-sided p = 2.6256765e-6; harm side: divided by 2Φ(5.5246) (computed independently).
    expect(check.pValue).toBeCloseTo(1.3128382939957421e-6, 12);
    expect(check.interval?.[0]).toBeCloseTo(150 - 29.759748157963394, 8);
    expect(check.interval?.[1]).toBeCloseTo(150 + 29.759748157963394, 8);
    expect(state?.tau).toBe(10_000);
    expect(check.reason).toBe(
      'tokens_per_request canary 350 tokens vs stable 200 tokens: +75.0%, always-valid 95% interval [+60.1%, +89.9%] of stable, tolerance +50.0% (n=400/400); unit unknown: requests treated as independent',
    );
  });

  it('passes an increase within the tolerance with status OK', () => {
    const { check } = compareArms({
      config: { name: 'tokens_per_request', maxIncrease: 0.5 },
      kind: 'relative',
      stable: tokensArm([
        [100, 200],
        [300, 200],
      ]),
      canary: tokensArm([
        [160, 200],
        [360, 200],
      ]),
      alpha: 0.05,
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Pass', 'OK']);
  });

  it('reads maxDecrease on a rate as relative to stable unless it says points', () => {
    // 94% → 88% is −6.4% of stable: well inside −20%, so the interval lies wholly on the good side of it.
    const { check } = compareArms({
      config: { name: 'success_rate', maxDecrease: 0.2 },
      kind: 'relative',
      stable: rateArm(1000, 60),
      canary: rateArm(1000, 120),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Pass');
    expect(check.reason).toContain('tolerance −20.0%');
    expect(() =>
      compareArms({
        config: { name: 'latency_avg', maxIncrease: 0.02, toleranceUnit: 'points' },
        kind: 'relative',
        stable: tokensArm([[1, 200]]),
        canary: tokensArm([[1, 200]]),
        alpha: 0.05,
        minSamples: 100,
      }),
    ).toThrow(/points applies to rates only/);
  });

  it('reads maxDecrease on a rate with toleranceUnit points as absolute points', () => {
    // 94% → 88.5% with 2 points tolerated: Δ̂ = 0.035, V = (0.885·0.115 + 0.9125·0.0875)/1,000 = 1.8162e-4 (stable's
    // own variance floored at the pooled 91.25%), τ = 0.02² → harm-side p = 0.0894 (two-sided 0.1760), not yet
    // significant (computed independently).
    const { check } = compareArms({
      config: { name: 'success_rate', maxDecrease: 0.02, toleranceUnit: 'points' },
      kind: 'relative',
      stable: rateArm(1000, 60),
      canary: rateArm(1000, 115),
      alpha: 0.05,
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Pass', 'Watch']);
    expect(check.pValue).toBeCloseTo(0.08938561028104887, 7); // Φ is approximated to 1.5e-7
    expect(check.reason).toContain('tolerance −2.0 points');
  });
});

describe("compareArms: tolerances in the metric's own unit (absolute)", () => {
  const relative = (config: object, stable: ArmAggregate, canary: ArmAggregate) =>
    compareArms({ config: config as never, kind: 'relative', stable, canary, alpha: 0.05, minSamples: 100 })
      .check;

  it('reads an absolute tolerance on a rate exactly as points', () => {
    const stable = rateArm(1000, 60);
    const canary = rateArm(1000, 115);
    const points = relative(
      { name: 'success_rate', maxDecrease: 0.02, toleranceUnit: 'points' },
      stable,
      canary,
    );
    const absolute = relative(
      { name: 'success_rate', maxDecrease: 0.02, toleranceUnit: 'absolute' },
      stable,
      canary,
    );
    expect(absolute).toEqual(points);
  });

  it('reads tokens as tokens: +150 tokens fail a 50-token tolerance and pass a 200-token one', () => {
    const stable = tokensArm([
      [100, 200],
      [300, 200],
    ]);
    const canary = tokensArm([
      [250, 200],
      [450, 200],
    ]);
    const tight = relative(
      { name: 'tokens_per_request', maxIncrease: 50, toleranceUnit: 'absolute' },
      stable,
      canary,
    );
    const loose = relative(
      { name: 'tokens_per_request', maxIncrease: 200, toleranceUnit: 'absolute' },
      stable,
      canary,
    );
    expect(tight.result).toBe('Fail');
    expect(loose.result).toBe('Pass');
    expect(tight.reason).toContain('tolerance +50');
  });

  it('reads a latency percentile tolerance in ms: +800 ms fail a 200 ms tolerance and pass a 2,000 ms one', () => {
    const stable = latencyArm(3000, 0, 1);
    const canary = latencyArm(1500, 800, 2);
    const tight = relative(
      { name: 'latency_p99', maxIncrease: 200, toleranceUnit: 'absolute' },
      stable,
      canary,
    );
    const loose = relative(
      { name: 'latency_p99', maxIncrease: 2000, toleranceUnit: 'absolute' },
      stable,
      canary,
    );
    expect(tight.result).toBe('Fail');
    expect(loose.result).toBe('Pass');
  });
});

describe('compareArms: latency percentiles by exceedance rate', () => {
  it('fails a canary 800 ms slower', () => {
    const { check } = compareArms({
      config: { name: 'latency_p99' },
      kind: 'regression',
      stable: latencyArm(3000, 0, 1),
      canary: latencyArm(120, 800, 2),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
    expect(check.canary ?? 0).toBeGreaterThan(check.stable ?? 0);
    expect(check.reason).toMatch(/of canary requests slower than both arms' p99/);
  });

  it('fails a tail-only regression through the exceedance rate', () => {
    // 2% of canary requests take 4 s: the typical request is unchanged, the tail share triples.
    const canary = latencyArm(1960, 0, 8);
    canary.addSpan(span({ durationMs: 4000 }), 40);
    const { check, state } = compareArms({
      config: { name: 'latency_p99' },
      kind: 'regression',
      stable: latencyArm(5000, 0, 7),
      canary,
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
    expect(state?.minP).toBeLessThanOrEqual(0.025);
    expect(state?.minPLog).toBeGreaterThan(0.025);
    expect(check.pValue).toBeCloseTo(2 * (state?.minP ?? 1), 12);
  });

  it('fails a whole-distribution shift through the log-latency mean even when the tail share is unclear', () => {
    const { check, state } = compareArms({
      config: { name: 'latency_p99' },
      kind: 'regression',
      stable: latencyArm(3000, 0, 9),
      canary: latencyArm(100, 400, 10),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
    expect(state?.minPLog).toBeLessThanOrEqual(0.025);
    expect(check.reason).toMatch(/geometric mean \+\d/);
  });

  it('passes a canary with the same latency distribution', () => {
    const { check } = compareArms({
      config: { name: 'latency_p95' },
      kind: 'regression',
      stable: latencyArm(3000, 0, 3),
      canary: latencyArm(300, 0, 4),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Pass');
    expect(check.stable).toBeGreaterThan(1000);
  });

  it('passes constant, equal latencies (zero variance)', () => {
    const { check } = compareArms({
      config: { name: 'latency_p99' },
      kind: 'regression',
      stable: rateArm(500, 0, 1200),
      canary: rateArm(200, 0, 1200),
      alpha: 0.05,
      minSamples: 100,
    });
    expect([check.result, check.status, check.stable, check.canary]).toEqual(['Pass', 'OK', 1200, 1200]);
  });

  it('passes constant, equal latencies added one request at a time (sums that round differently)', () => {
    const arm = (n: number) => {
      const agg = new ArmAggregate();
      for (let i = 0; i < n; i++) agg.addSpan(span({ durationMs: 300 }));
      return agg;
    };
    const { check } = compareArms({
      config: { name: 'latency_p99' },
      kind: 'regression',
      stable: arm(384),
      canary: arm(416),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Pass');
  });

  it('compares the mean for latency_avg', () => {
    const { check } = compareArms({
      config: { name: 'latency_avg' },
      kind: 'regression',
      stable: latencyArm(3000, 0, 5),
      canary: latencyArm(300, 800, 6),
      alpha: 0.05,
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
    expect((check.canary ?? 0) - (check.stable ?? 0)).toBeGreaterThan(600);
  });
});
