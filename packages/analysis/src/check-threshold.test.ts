import { describe, expect, it } from 'vitest';
import { checkThreshold } from './check-threshold.js';
import { rateArm } from './test-spans.js';

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
    expect(check.reason).toBe('latency_p99 canary 3,412 ms > 3,000 ms (n=412)');
  });

  it('passes a success rate above its floor as OK', () => {
    const check = checkThreshold({
      config: { name: 'success_rate', threshold: 0.9, comparison: '>=', onFail: 'pause' },
      canary: rateArm(300, 29),
      minSamples: 100,
    });
    expect([check.result, check.status, check.onFail]).toEqual(['Pass', 'OK', 'pause']);
    expect(check.reason).toBe('success_rate canary 90.3% ≥ 90.0% (n=300)');
    expect(check.stable).toBeNull();
  });

  it('defaults the comparison from the metric direction', () => {
    const check = checkThreshold({
      config: { name: 'error_rate', threshold: 0.05 },
      canary: rateArm(200, 20),
      minSamples: 100,
    });
    expect(check.result).toBe('Fail');
    expect(check.reason).toBe('error_rate canary 10.0% > 5.0% (n=200)');
  });

  it('is Inconclusive below the minimum samples, even when the value already breaks the limit', () => {
    const check = checkThreshold({
      config: { name: 'success_rate', threshold: 0.9 },
      canary: rateArm(50, 40),
      minSamples: 100,
    });
    expect([check.result, check.status]).toEqual(['Inconclusive', 'Inconclusive']);
    expect(check.reason).toBe('success_rate canary 20.0%: too few samples (n=50 < 100)');
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
