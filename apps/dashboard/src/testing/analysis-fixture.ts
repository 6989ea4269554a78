import type { Analysis } from '@prompt-canary/api-types';
import type { WindowedCheck } from '../views/samples.js';

/** The checks of {@link analysis}: a hard limit and a comparison on latency, each with `nUnits` and `window`. */
const checks: WindowedCheck[] = [
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
    window: { from: '2025-03-01T10:02:00.000Z', to: '2025-03-01T10:05:00.000Z' },
    reason:
      'latency_p99 canary 3,412 ms > 3,000 ms beyond sampling noise (p=0.0012 ≤ 0.01; n=300, 268 units, last 3m)',
    onFail: 'rollback',
  },
  {
    metric: 'latency_p99',
    kind: 'regression',
    result: 'Inconclusive',
    status: 'Watch',
    stable: 2480,
    canary: 3412,
    interval: [-0.01, 0.08],
    n: { stable: 5400, canary: 600 },
    nUnits: { stable: 4020, canary: 446 },
    window: { from: '2025-03-01T09:40:00.000Z', to: '2025-03-01T10:05:00.000Z' },
    reason: 'latency_p99 exceedance +3.5pt (n=600/5,400, units 446/4,020)',
    onFail: 'rollback',
  },
];

/**
 * An analysis as the daemon sends it from spans that carry an assignment unit: every check has `nUnits` and
 * `window` (ISO times; a hard limit's is the last interval, widened within the step to its minimum samples) and the
 * SRM check counts units (`srm.n` is then in units).
 */
export const analysis: Analysis = {
  window: { from: '2025-03-01T10:00:00Z', to: '2025-03-01T10:05:00Z' },
  arms: {
    stable: { version: '2.3.1', n: 2700, metrics: { latency_p99: 2480 } },
    canary: { version: '2.4.0', n: 300, metrics: { latency_p99: 3412 } },
  },
  metricInfo: { latency_p99: { unit: 'ms', direction: 'lower' } },
  checks,
  srm: {
    expectedShare: 0.1,
    observedShare: 0.1008,
    result: 'Pass',
    n: 2678,
    units: { stable: 2410, canary: 268 },
    reason: 'canary share 10.1% vs expected 10.0% (270 of 2,678 split-assigned units): consistent',
  },
  comparisons: { scope: 'split', from: '2025-03-01T09:40:00Z' },
  lastCheck: null,
};

/**
 * The same analysis from spans without an assignment unit: no `nUnits`, no `srm.units`, `srm.n` in requests (the
 * windows stay: they come from span times).
 */
export const analysisWithoutUnits: Analysis = {
  ...analysis,
  checks: checks.map(({ nUnits: _, ...check }) => check),
  srm: {
    expectedShare: 0.1,
    observedShare: 0.1008,
    result: 'Pass',
    n: 3000,
    reason:
      'canary share 10.1% vs expected 10.0% (302 of 3,000 split-assigned spans; unit unknown: requests treated as independent): consistent',
  },
};
