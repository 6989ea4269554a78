import type { Analysis, MetricSpecView } from '@prompt-canary/api-types';
import type { WindowedCheck } from '../format/samples.js';

/** The checks of {@link analysis}, each with `nUnits` and `window` beside `n`. */
const checks: WindowedCheck[] = [
  {
    metric: 'success_rate',
    kind: 'threshold',
    result: 'Pass',
    status: 'Watch',
    stable: 0.951,
    canary: 0.903,
    threshold: 0.9,
    n: { stable: 2700, canary: 300 },
    nUnits: { stable: 2410, canary: 268 },
    window: { from: '2025-01-31T11:57:00.000Z', to: '2025-01-31T12:00:00.000Z' },
    reason: 'success_rate canary 90.3% ≥ 90.0% (n=300, 268 units, last 3m)',
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
    nUnits: { stable: 2410, canary: 268 },
    window: { from: '2025-01-31T11:55:00.000Z', to: '2025-01-31T12:00:00.000Z' },
    reason:
      'latency_p99 canary 3,412 ms > 3,000 ms beyond sampling noise (p=0.0012 ≤ 0.01; n=300, 268 units, last 5m, widened within the step to reach 300 samples)',
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
    nUnits: { stable: 2410, canary: 27 },
    window: { from: '2025-01-31T11:30:00.000Z', to: '2025-01-31T12:00:00.000Z' },
    reason: 'latency_p99 too few samples (n=30/2,700, units 27/2,410)',
    onFail: 'rollback',
  },
];

/**
 * The example of API.md "Analysis", with a second check per metric and an ungated metric; `metricInfo` as the
 * daemon sends it (every metric of `arms` and `checks`, from the analysis package's metric catalogue). Its spans
 * carry an assignment unit, so every check has `nUnits` and `window` (ISO times; a hard limit's is the last
 * interval, widened within the step until it holds the minimum samples) and the SRM check counts units.
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
  checks,
  srm: {
    expectedShare: 0.1,
    observedShare: 0.1,
    result: 'Pass',
    n: 2678,
    units: { stable: 2410, canary: 268 },
    reason: 'canary share 10.0% vs expected 10.0% (268 of 2,678 split-assigned units): consistent',
  },
  comparisons: { scope: 'split', from: '2025-01-31T11:30:00Z' },
  lastCheck: null,
};

/**
 * The same analysis from spans that carry no assignment unit: no `nUnits`, no `srm.units`, and `srm.n` counts
 * requests. (The windows stay: they come from span times, not units.)
 */
export const analysisWithoutUnits: Analysis = {
  ...analysis,
  checks: checks.map(({ nUnits: _, ...check }) => ({
    ...check,
    reason: `${check.reason.replace(/,? (units [\d,/]+|[\d,]+ units)/, '')}; unit unknown: requests treated as independent`,
  })),
  srm: {
    expectedShare: 0.1,
    observedShare: 0.1,
    result: 'Pass',
    n: 3000,
    reason:
      'canary share 10.0% vs expected 10.0% (300 of 3,000 split-assigned spans; unit unknown: requests treated as independent): consistent',
  },
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
