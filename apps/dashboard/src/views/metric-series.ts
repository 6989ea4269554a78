import type { Analysis, CheckStatus } from '@prompt-canary/api-types';
import { worstStatus } from './format.js';
import type { CheckWindow, WindowedCheck } from './samples.js';

/** One look at one metric. */
export interface MetricPoint {
  /** Seconds since the epoch: the end of the analysis window. */
  readonly t: number;
  readonly stable: number | null;
  readonly canary: number | null;
  /** The hard limit, when the metric has one. */
  readonly threshold: number | null;
  /** The confidence band for the canary: stable + the interval of canary − stable, when in the metric's units. */
  readonly low: number | null;
  readonly high: number | null;
}

/** Points per metric, oldest first. */
export type MetricHistory = ReadonlyMap<string, readonly MetricPoint[]>;

/** One row of the side-by-side table. */
export interface MetricRow {
  readonly metric: string;
  readonly stable: number | null;
  readonly canary: number | null;
  readonly threshold: number | null;
  readonly status: CheckStatus;
  readonly n: { readonly stable: number; readonly canary: number } | null;
  /** Distinct assignment units behind `n` (an estimate); `null` when its spans carried no unit. */
  readonly nUnits: { readonly stable: number; readonly canary: number } | null;
  /** The span of time the hard limit judged; `null` without a hard limit or a window. */
  readonly limitWindow: CheckWindow | null;
  readonly checks: readonly WindowedCheck[];
}

/**
 * Whether a check's interval is in the metric's own units. For latency percentiles the analyzer tests the
 * exceedance rate, so the interval is a difference of rates and cannot be drawn around milliseconds.
 */
export function intervalInMetricUnits(metric: string): boolean {
  return !/^latency_p\d+$/.test(metric);
}

function finite(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The gated metrics of an analysis, in the order of their first check. */
export function gatedMetrics(analysis: Analysis): string[] {
  return [...new Set(analysis.checks.map((check) => check.metric))];
}

/** The checks of an analysis grouped by metric. */
function checksByMetric(analysis: Analysis): Map<string, WindowedCheck[]> {
  const groups = new Map<string, WindowedCheck[]>();
  for (const check of analysis.checks) {
    const group = groups.get(check.metric);
    if (group) group.push(check);
    else groups.set(check.metric, [check]);
  }
  return groups;
}

/**
 * The table rows of an analysis, one per gated metric: each arm's value over the analysis window (from `arms`,
 * else from the check), the hard limit if any with the span of time it judged, the samples (requests and, when
 * spans carry a unit, units) of the comparison, else of the only check, and the most telling status.
 */
export function metricRows(analysis: Analysis): MetricRow[] {
  return [...checksByMetric(analysis)].map(([metric, checks]) => {
    const threshold = checks.find((c) => c.kind === 'threshold');
    const comparison = checks.find((c) => c.kind !== 'threshold') ?? checks[0];
    return {
      metric,
      stable: finite(analysis.arms.stable.metrics[metric]) ?? finite(comparison?.stable),
      canary: finite(analysis.arms.canary.metrics[metric]) ?? finite(comparison?.canary),
      threshold: finite(threshold?.threshold),
      status: worstStatus(checks.map((c) => c.status)),
      n: comparison?.n ?? null,
      nUnits: comparison?.nUnits ?? null,
      limitWindow: threshold?.window ?? null,
      checks,
    };
  });
}

/** A metric the analysis measured but no check gates: each arm's value over the analysis window. */
export interface UngatedRow {
  readonly metric: string;
  readonly stable: number | null;
  readonly canary: number | null;
  /** Each arm's requests in the analysis window. */
  readonly n: { readonly stable: number; readonly canary: number };
}

/**
 * The metrics with data in either arm that no check gates (the built-in ones the pack does not name, feedback
 * when tracked), by name, so the table shows every measured metric as `canary status` does.
 */
export function ungatedRows(analysis: Pick<Analysis, 'arms' | 'checks'>): UngatedRow[] {
  const { stable, canary } = analysis.arms;
  const gated = new Set(analysis.checks.map((check) => check.metric));
  return [...new Set([...Object.keys(stable.metrics), ...Object.keys(canary.metrics)])]
    .filter((metric) => !gated.has(metric))
    .sort()
    .map((metric) => ({
      metric,
      stable: finite(stable.metrics[metric]),
      canary: finite(canary.metrics[metric]),
      n: { stable: stable.n, canary: canary.n },
    }));
}

/** The points one analysis adds, per metric, at the end of its window (or `fallbackMs`). */
export function pointsOf(analysis: Analysis, fallbackMs: number): Map<string, MetricPoint> {
  const parsed = Date.parse(analysis.window.to);
  const t = (Number.isFinite(parsed) ? parsed : fallbackMs) / 1000;
  const points = new Map<string, MetricPoint>();
  for (const row of metricRows(analysis)) {
    const banded = row.checks.find((c) => c.kind !== 'threshold' && c.interval);
    const interval = banded?.interval;
    const base = finite(banded?.stable) ?? row.stable;
    const band = interval && base !== null && intervalInMetricUnits(row.metric);
    points.set(row.metric, {
      t,
      stable: row.stable,
      canary: row.canary,
      threshold: row.threshold,
      low: band ? base + interval[0] : null,
      high: band ? base + interval[1] : null,
    });
  }
  return points;
}

/**
 * Adds one analysis to the history, keeping at most `maxPoints` per metric. A look at the same window end as the
 * last point replaces it, so polling faster than the daemon analyses does not pile up duplicates.
 */
export function appendAnalysis(
  history: MetricHistory,
  analysis: Analysis,
  fallbackMs: number,
  maxPoints = 720,
): MetricHistory {
  const next = new Map(history);
  for (const [metric, point] of pointsOf(analysis, fallbackMs)) {
    const points = [...(next.get(metric) ?? [])];
    const last = points[points.length - 1];
    if (last && last.t >= point.t) points[points.length - 1] = { ...point, t: last.t };
    else points.push(point);
    next.set(metric, points.slice(-maxPoints));
  }
  return next;
}

/** uPlot's columns for a metric chart: time, stable, canary, threshold, band low, band high. */
export function metricChartData(points: readonly MetricPoint[]): Array<Array<number | null>> {
  return [
    points.map((p) => p.t),
    points.map((p) => p.stable),
    points.map((p) => p.canary),
    points.map((p) => p.threshold),
    points.map((p) => p.low),
    points.map((p) => p.high),
  ];
}

/**
 * How often to poll the analysis: the rollout's analysis interval, held between 2 s (a fast time scale should
 * not flood the daemon) and 30 s (a slow one should still look alive); 10 s when the interval is unknown.
 */
export function analysisPollMs(intervalMs: number | undefined): number {
  if (intervalMs === undefined || !Number.isFinite(intervalMs) || intervalMs <= 0) return 10_000;
  return Math.min(30_000, Math.max(2_000, intervalMs));
}
