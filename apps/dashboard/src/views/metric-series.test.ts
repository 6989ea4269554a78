import type { Analysis, AnalysisCheck, MetricInfo } from '@prompt-canary/api-types';
import { describe, expect, it } from 'vitest';
import { analysisWithoutUnits, analysis as withUnits } from '../testing/analysis-fixture.js';
import {
  analysisPollMs,
  appendAnalysis,
  gatedMetrics,
  type MetricHistory,
  metricChartData,
  metricRows,
  pointsOf,
} from './metric-series.js';

function check(partial: Partial<AnalysisCheck> & Pick<AnalysisCheck, 'metric' | 'kind'>): AnalysisCheck {
  return {
    result: 'Pass',
    status: 'OK',
    stable: null,
    canary: null,
    n: { stable: 0, canary: 0 },
    reason: `${partial.metric} ${partial.kind}`,
    onFail: 'rollback',
    ...partial,
  };
}

/** What the daemon's metric catalogue says of the metrics these tests use. */
const CATALOGUE: Readonly<Record<string, MetricInfo>> = {
  success_rate: { unit: 'fraction', direction: 'higher' },
  latency_p99: { unit: 'ms', direction: 'lower' },
  feedback_score: { unit: 'number', direction: 'higher' },
};

/** `metricInfo` as the daemon sends it: one entry per metric named in `arms` or `checks`. */
function metricInfoOf(names: Iterable<string>): Record<string, MetricInfo> {
  return Object.fromEntries(
    [...new Set(names)].map((name) => {
      const info = CATALOGUE[name];
      if (!info) throw new Error(`no catalogue entry for ${name}`);
      return [name, info];
    }),
  );
}

function analysis(
  to: string,
  checks: readonly AnalysisCheck[],
  canary: Record<string, number> = {},
): Analysis {
  const stableMetrics = { success_rate: 0.951, latency_p99: 2480 };
  const canaryMetrics = { success_rate: 0.903, latency_p99: 3412, ...canary };
  return {
    window: { from: '2025-03-01T10:00:00Z', to },
    arms: {
      stable: { version: '2.3.1', n: 2700, metrics: stableMetrics },
      canary: { version: '2.4.0', n: 300, metrics: canaryMetrics },
    },
    metricInfo: metricInfoOf([
      ...Object.keys(stableMetrics),
      ...Object.keys(canaryMetrics),
      ...checks.map((c) => c.metric),
    ]),
    checks,
    srm: { expectedShare: null, observedShare: null, result: 'n/a', n: 0, reason: 'segment phase' },
    comparisons: null,
    lastCheck: null,
  };
}

const seed = analysis('2025-03-01T10:05:00Z', [
  check({
    metric: 'latency_p99',
    kind: 'threshold',
    result: 'Fail',
    status: 'Degraded',
    stable: 2480,
    canary: 3412,
    threshold: 3000,
  }),
  check({ metric: 'latency_p99', kind: 'regression', status: 'Watch', interval: [-0.01, 0.08] }),
  check({
    metric: 'success_rate',
    kind: 'threshold',
    stable: 0.951,
    canary: 0.903,
    threshold: 0.9,
  }),
  check({
    metric: 'success_rate',
    kind: 'regression',
    status: 'Watch',
    stable: 0.95,
    canary: 0.9,
    interval: [-0.08, 0.01],
  }),
]);

describe('the side-by-side table', () => {
  it('has one row per gated metric with both arms, the limit and the most telling status', () => {
    expect(gatedMetrics(seed)).toEqual(['latency_p99', 'success_rate']);
    const rows = metricRows(seed);
    expect(rows.map((r) => [r.metric, r.stable, r.canary, r.threshold, r.status])).toEqual([
      ['latency_p99', 2480, 3412, 3000, 'Degraded'],
      ['success_rate', 0.951, 0.903, 0.9, 'Watch'],
    ]);
    expect(rows[0]?.checks).toHaveLength(2);
  });

  it("falls back on the check's values when the arms lack the metric", () => {
    const a = analysis('2025-03-01T10:05:00Z', [
      check({ metric: 'feedback_score', kind: 'regression', stable: 4.1, canary: 3.8, status: 'Degraded' }),
    ]);
    expect(metricRows(a)[0]).toMatchObject({ stable: 4.1, canary: 3.8, threshold: null, status: 'Degraded' });
  });
});

describe('the samples and windows of a row', () => {
  it("carries the comparison's requests and units and the hard limit's window", () => {
    expect(metricRows(withUnits)[0]).toMatchObject({
      n: { stable: 5400, canary: 600 },
      nUnits: { stable: 4020, canary: 446 },
      limitWindow: { from: '2025-03-01T10:02:00.000Z', to: '2025-03-01T10:05:00.000Z' },
    });
  });

  it('carries requests alone when spans carried no unit', () => {
    expect(metricRows(analysisWithoutUnits)[0]).toMatchObject({
      n: { stable: 5400, canary: 600 },
      nUnits: null,
    });
  });

  it('has no window without a hard limit or without a window on it', () => {
    const rows = metricRows(seed);
    expect(rows.map((r) => r.limitWindow)).toEqual([null, null]);
    const comparisonOnly = { ...withUnits, checks: withUnits.checks.filter((c) => c.kind !== 'threshold') };
    expect(metricRows(comparisonOnly)[0]?.limitWindow).toBeNull();
  });
});

describe('chart points', () => {
  it('puts the band around stable in metric units, but not for latency percentiles', () => {
    const points = pointsOf(seed, 0);
    const t = Date.parse('2025-03-01T10:05:00Z') / 1000;
    expect(points.get('success_rate')).toEqual({
      t,
      stable: 0.951,
      canary: 0.903,
      threshold: 0.9,
      low: 0.95 - 0.08,
      high: 0.95 + 0.01,
    });
    expect(points.get('latency_p99')).toMatchObject({ t, threshold: 3000, low: null, high: null });
  });

  it('accumulates looks, replaces a look at the same window end, and keeps at most maxPoints', () => {
    let history: MetricHistory = new Map();
    history = appendAnalysis(history, seed, 0);
    history = appendAnalysis(
      history,
      analysis('2025-03-01T10:05:00Z', seed.checks, { latency_p99: 3500 }),
      0,
    );
    expect(history.get('latency_p99')?.map((p) => p.canary)).toEqual([3500]);
    history = appendAnalysis(
      history,
      analysis('2025-03-01T10:06:00Z', seed.checks, { latency_p99: 3600 }),
      0,
    );
    history = appendAnalysis(
      history,
      analysis('2025-03-01T10:07:00Z', seed.checks, { latency_p99: 3700 }),
      0,
      2,
    );
    expect(history.get('latency_p99')?.map((p) => p.canary)).toEqual([3600, 3700]);
  });

  it('does not change the history it was given', () => {
    const before: MetricHistory = new Map();
    appendAnalysis(before, seed, 0);
    expect(before.size).toBe(0);
  });

  it('lays the points out as uPlot columns', () => {
    const history = appendAnalysis(new Map(), seed, 0);
    const data = metricChartData(history.get('success_rate') ?? []);
    expect(data).toHaveLength(6);
    expect(data.map((column) => column[0])).toEqual([
      Date.parse('2025-03-01T10:05:00Z') / 1000,
      0.951,
      0.903,
      0.9,
      0.95 - 0.08,
      0.95 + 0.01,
    ]);
  });

  it('uses the fallback time when the window has no end', () => {
    const a = { ...seed, window: { from: '', to: '' } };
    expect(pointsOf(a, 5_000).get('success_rate')?.t).toBe(5);
  });
});

describe('polling', () => {
  it('follows the analysis interval within 2 s and 30 s', () => {
    expect(analysisPollMs(60_000)).toBe(30_000);
    expect(analysisPollMs(10_000)).toBe(10_000);
    expect(analysisPollMs(1_000)).toBe(2_000);
    expect(analysisPollMs(undefined)).toBe(10_000);
  });
});
