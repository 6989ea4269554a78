import { describe, expect, it } from 'vitest';
import { ArmAggregate } from './arm-aggregate.js';
import { checkThreshold } from './check-threshold.js';
import { rateArm, span } from './test-spans.js';

describe('checkThreshold', () => {
  it('fails a canary p99 over its limit with a readable reason', () => {
    const check = checkThreshold({
      config: { name: 'latency_p99', threshold: 3000, comparison: '<=' },
      canary: rateArm(412, 0, 3412),
      stable: rateArm(2700, 0, 2480),
      minSamples: 100,
    });
    expect(check).toMatchObject({
      metric: 'latency_p99',
      kind: 'threshold',
      result: 'Fail',
      status: 'Degraded',
      stable: 2480,
      canary: 3412,
      threshold: 3000,
      n: { stable: 2700, canary: 412 },
      onFail: 'rollback',
    });
    expect(check.reason).toBe(
      'latency_p99 canary 3,412 ms > 3,000 ms beyond sampling noise (p<1e-6 ≤ 0.001; n=412, the last interval); unit unknown: requests treated as independent',
    );
  });

  it('passes a success rate above its floor as OK', () => {
    const check = checkThreshold({
      config: { name: 'success_rate', threshold: 0.9, comparison: '>=', onFail: 'pause' },
      canary: rateArm(300, 29),
      minSamples: 100,
    });
    expect([check.result, check.status, check.onFail]).toEqual(['Pass', 'OK', 'pause']);
    expect(check.reason).toBe(
      'success_rate canary 90.3% ≥ 90.0% (n=300, the last interval); unit unknown: requests treated as independent',
    );
    expect(check.stable).toBeNull();
  });

  it('defaults the comparison from the metric direction', () => {
    const check = checkThreshold({
      config: { name: 'error_rate', threshold: 0.05 },
      canary: rateArm(600, 60),
      minSamples: 100,
      windowText: 'last 1 min',
    });
    expect(check.result).toBe('Fail');
    expect(check.reason).toMatch(
      /^error_rate canary 10\.0% > 5\.0% beyond sampling noise \(p[=<].* ≤ 0\.001; n=600, last 1 min\)/,
    );
  });

  it('does not fail a value past the limit within sampling noise (Watch)', () => {
    // 10% errors in 200 requests against a 5% limit: P(≥ 20 of 200 at 5%) ≈ 0.002, not below 0.001.
    const check = checkThreshold({
      config: { name: 'error_rate', threshold: 0.05 },
      canary: rateArm(200, 20),
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Pass', 'Watch']);
    expect(check.reason).toContain('within sampling noise');
  });

  it('widens the bound by the design effect of correlated units', () => {
    // 600 requests from 50 units of 12; errors cluster by unit: 6 units fail every request (12%).
    const canary = new ArmAggregate();
    for (let u = 0; u < 50; u++) {
      for (let t = 0; t < 12; t++) canary.addSpan(span({ unit: `u${u}`, error: u < 6 }));
    }
    const clustered = checkThreshold({
      config: { name: 'success_rate', threshold: 0.9 },
      canary,
      minSamples: 100,
    });
    // As independent requests, 88% of 600 against 90% would be p ≈ 0.06; clustered, far weaker evidence.
    expect(clustered.result).toBe('Pass');
    expect(clustered.nUnits?.canary).toBeGreaterThan(40);
    const independent = rateArm(6000, 6000 * 0.12);
    const check = checkThreshold({
      config: { name: 'success_rate', threshold: 0.9 },
      canary: independent,
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
  });

  it('is Inconclusive below the minimum samples, even when the value already breaks the limit', () => {
    const check = checkThreshold({
      config: { name: 'success_rate', threshold: 0.9 },
      canary: rateArm(50, 40),
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Inconclusive', 'Inconclusive']);
    expect(check.reason).toBe('success_rate canary 20.0%: too few samples (n=50 < 100, the last interval)');
  });

  it('is Inconclusive without canary data', () => {
    const check = checkThreshold({
      config: { name: 'satisfaction', threshold: 4 },
      canary: rateArm(500, 0),
      minSamples: 1,
    });
    expect(check.result).toBe('Inconclusive');
    expect(check.canary).toBeNull();
  });
});

describe('checkThreshold: events per minute', () => {
  const blocks = (n: number, blocked: number) => {
    const agg = new ArmAggregate();
    for (let i = 0; i < n; i++) agg.addSpan(span({ attributes: { 'app.guardrail.blocked': i < blocked } }));
    return agg;
  };
  const config = {
    name: 'guardrail_blocks',
    from: { attribute: 'app.guardrail.blocked', aggregate: 'per_minute' as const },
    direction: 'lower' as const,
    threshold: 10,
  };
  const window = { from: 0, to: 5 * 60_000 };

  it('fails 100 blocks in 5 minutes (20/min) against a 10/min limit, and reads it per minute', () => {
    const check = checkThreshold({
      config,
      canary: blocks(1000, 100),
      minSamples: 100,
      window,
      windowText: 'last 5 min',
    });
    expect(check).toMatchObject({ result: 'Fail', canary: 20 });
    expect(check.reason).toMatch(
      /^guardrail_blocks canary 20\/min > 10\/min beyond Poisson noise \(p<1e-6 ≤ 0.001; 100 events in last 5 min/,
    );
  });

  it('passes 55 blocks in 5 minutes (11/min) within Poisson noise, and 40 (8/min) outright', () => {
    expect(checkThreshold({ config, canary: blocks(1000, 55), minSamples: 100, window })).toMatchObject({
      result: 'Pass',
      status: 'Watch',
    });
    expect(checkThreshold({ config, canary: blocks(1000, 40), minSamples: 100, window })).toMatchObject({
      result: 'Pass',
      status: 'OK',
    });
  });
});
