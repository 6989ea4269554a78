import { describe, expect, it } from 'vitest';
import { metricKeyOf } from './index.js';

describe('metricKeyOf', () => {
  it('names per-evaluator and per-service entries as their checks do', () => {
    expect(metricKeyOf({ name: 'eval_pass_rate', evaluator: 'tone' })).toBe('eval_pass_rate:tone');
    expect(metricKeyOf({ name: 'downstream_error_rate', service: 'billing-parser' })).toBe(
      'downstream_error_rate:billing-parser',
    );
    expect(metricKeyOf({ name: 'downstream_latency_p99', service: 'billing-parser' })).toBe(
      'downstream_latency_p99:billing-parser',
    );
  });

  it('leaves every other entry under its name', () => {
    expect(metricKeyOf({ name: 'latency_p99' })).toBe('latency_p99');
  });
});
