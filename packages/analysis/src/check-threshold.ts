import type { Comparison, MetricConfig } from './analysis-config.js';
import type { ArmAggregate } from './arm-aggregate.js';
import type { CheckResult } from './check-result.js';
import { formatCount, formatValue } from './format.js';
import { type MetricDefinition, resolveMetric, sampleValue } from './metric-definition.js';

/** Input of {@link checkThreshold}. */
export interface ThresholdCheckInput {
  /** The metric's config; must carry `threshold`. */
  config: MetricConfig;
  /** Canary traffic (all of it, split or not) over the check's window: the last interval. */
  canary: ArmAggregate;
  /** Stable over the same window, for display only. */
  stable?: ArmAggregate;
  /** Minimum canary samples before the limit is judged. */
  minSamples: number;
  /** Default: resolved from the config. */
  metric?: MetricDefinition;
}

const HOLDS: Record<Comparison, (a: number, b: number) => boolean> = {
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
};

/** The relation printed when a limit is broken. */
const BROKEN: Record<Comparison, string> = { '>=': '<', '<=': '>', '>': '≤', '<': '≥' };

const PRINTED: Record<Comparison, string> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' };

/**
 * A hard limit on the canary alone: the canary's point value over the window against `threshold`, once the canary
 * has `minSamples`; below that (or without data) `Inconclusive`. `Pass` shows as OK, `Fail` as Degraded.
 *
 * @example
 * ```ts
 * checkThreshold({ config: { name: 'latency_p99', threshold: 3000, comparison: '<=' }, canary, minSamples: 100 });
 * // → { result: 'Fail', reason: 'latency_p99 canary 3,412 ms > 3,000 ms (n=412)', … }
 * ```
 */
export function checkThreshold(input: ThresholdCheckInput): CheckResult {
  const { config, minSamples } = input;
  const metric = input.metric ?? resolveMetric(config);
  if (config.threshold === undefined)
    throw new Error(`metric ${config.name}: a threshold check needs a threshold`);
  const threshold = config.threshold;
  const comparison: Comparison = config.comparison ?? (metric.direction === 'higher' ? '>=' : '<=');
  const canary = metric.read(input.canary);
  const stable = input.stable === undefined ? undefined : metric.read(input.stable);
  const base = {
    metric: config.name,
    kind: 'threshold' as const,
    stable: stable === undefined ? null : sampleValue(stable),
    canary: canary === undefined ? null : sampleValue(canary),
    threshold,
    n: { stable: stable?.n ?? 0, canary: canary?.n ?? 0 },
    onFail: config.onFail ?? 'rollback',
  };
  const limit = formatValue(threshold, metric.unit);
  if (canary === undefined) {
    return {
      ...base,
      result: 'Inconclusive',
      status: 'Inconclusive',
      reason: `${config.name}: no canary data in the last interval (limit ${PRINTED[comparison]} ${limit})`,
    };
  }
  const value = sampleValue(canary);
  const shown = formatValue(value, metric.unit);
  const n = formatCount(canary.n);
  if (canary.n < minSamples) {
    return {
      ...base,
      result: 'Inconclusive',
      status: 'Inconclusive',
      reason: `${config.name} canary ${shown}: too few samples (n=${n} < ${formatCount(minSamples)})`,
    };
  }
  if (HOLDS[comparison](value, threshold)) {
    return {
      ...base,
      result: 'Pass',
      status: 'OK',
      reason: `${config.name} canary ${shown} ${PRINTED[comparison]} ${limit} (n=${n})`,
    };
  }
  return {
    ...base,
    result: 'Fail',
    status: 'Degraded',
    reason: `${config.name} canary ${shown} ${BROKEN[comparison]} ${limit} (n=${n})`,
  };
}
