import { describe, expect, it } from 'vitest';
import { metricKey } from './analysis-config.js';
import { BUILT_IN_METRICS, resolveMetric } from './metric-definition.js';

describe('metric directions', () => {
  it('gives every built-in its fixed direction, feedback and evals higher-is-better', () => {
    const higher = BUILT_IN_METRICS.filter((name) => resolveMetric({ name }).direction === 'higher');
    expect(higher.sort()).toEqual(['eval_pass_rate', 'satisfaction', 'success_rate', 'thumbs_up_rate']);
  });

  it('ignores a direction written on a built-in', () => {
    expect(resolveMetric({ name: 'error_rate', direction: 'higher' }).direction).toBe('lower');
  });

  it('takes a custom metric’s stated direction and never guesses one from its name', () => {
    const from = { attribute: 'app.refund', aggregate: 'rate' } as const;
    expect(resolveMetric({ name: 'refund_rate', from, direction: 'lower' }).direction).toBe('lower');
    expect(resolveMetric({ name: 'error_budget', from, direction: 'higher' }).direction).toBe('higher');
    expect(() => resolveMetric({ name: 'refund_rate', from })).toThrow(/needs a direction/);
  });

  it('keys a per-evaluator series as eval_pass_rate:<evaluator>', () => {
    expect(metricKey({ name: 'eval_pass_rate', evaluator: 'tone' })).toBe('eval_pass_rate:tone');
    expect(metricKey({ name: 'success_rate' })).toBe('success_rate');
  });
});
