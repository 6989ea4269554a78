import type { Analysis, MetricSpecView } from '@prompt-canary/api-types';

/**
 * The example of API.md "Analysis", with a second check per metric and an ungated metric; `metricInfo` as the
 * daemon sends it (every metric of `arms` and `checks`, from the analysis package's metric catalogue).
 */
export const analysis: Analysis = {
  window: { from: '2025-01-31T11:55:00Z', to: '2025-01-31T12:00:00Z' },
  arms: {
    stable: {
      version: '2.3.1',
      n: 2700,
      metrics: { success_rate: 0.951, latency_p99: 2480, tokens_per_request: 410 },
    },
    canary: {
      version: '2.4.0',
      n: 300,
      metrics: { success_rate: 0.903, latency_p99: 3412, tokens_per_request: 395 },
    },
  },
  metricInfo: {
    success_rate: { unit: 'fraction', direction: 'higher' },
    latency_p99: { unit: 'ms', direction: 'lower' },
    tokens_per_request: { unit: 'tokens', direction: 'lower' },
  },
  checks: [
    {
      metric: 'success_rate',
      kind: 'threshold',
      result: 'Pass',
      status: 'Watch',
      stable: 0.951,
      canary: 0.903,
      threshold: 0.9,
      n: { stable: 2700, canary: 300 },
      reason: 'success_rate 0.903 >= 0.9',
      onFail: 'rollback',
    },
    {
      metric: 'latency_p99',
      kind: 'threshold',
      result: 'Fail',
      status: 'Degraded',
      stable: 2480,
      canary: 3412,
      threshold: 3000,
      n: { stable: 2700, canary: 300 },
      reason: 'p99 3412 ms above 3000 ms',
      onFail: 'rollback',
    },
    {
      metric: 'latency_p99',
      kind: 'regression',
      result: 'Inconclusive',
      status: 'Inconclusive',
      stable: 2480,
      canary: 3412,
      n: { stable: 2700, canary: 30 },
      reason: 'latency_p99 too few samples',
      onFail: 'rollback',
    },
  ],
  srm: { expectedShare: 0.1, observedShare: 0.1, result: 'Pass', n: 3000, reason: 'canary share 10.0%' },
  comparisons: { scope: 'split', from: '2025-01-31T11:30:00Z' },
  lastCheck: null,
};

export const specs: MetricSpecView[] = [
  {
    name: 'success_rate',
    threshold: 0.9,
    thresholdUnit: 'fraction',
    comparison: '>=',
    onFail: 'rollback',
    compare: true,
  },
  {
    name: 'latency_p99',
    threshold: 3000,
    thresholdUnit: 'ms',
    comparison: '<=',
    onFail: 'rollback',
    compare: true,
  },
];
