import { type Comparison, type MetricConfig, metricKey } from './analysis-config.js';
import type { ArmAggregate } from './arm-aggregate.js';
import type { CheckResult } from './check-result.js';
import { formatCount, formatValue } from './format.js';
import { type MetricDefinition, type MetricSample, resolveMetric, sampleValue } from './metric-definition.js';
import { binomialUpperTail, normalUpperTail, poissonUpperTail } from './tail-probability.js';
import { unitCounts, unitNote } from './unit-note.js';

/**
 * One-sided level of a hard limit at each look: it fails only when the canary is past the limit with p below
 * this (STATISTICS.md: beyond sampling noise). Small because a rollout looks dozens of times.
 */
export const DEFAULT_LIMIT_ALPHA = 0.001;

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
  /** One-sided level of the bound; default {@link DEFAULT_LIMIT_ALPHA}. */
  alpha?: number;
  /** The span judged (epoch ms), copied to the check; and words for the reason (`last 1 min`). */
  window?: { from: number; to: number };
  windowText?: string;
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
 * How surely the canary is past the limit: a one-sided p-value of "the true value is at the limit", with every
 * variance widened by the cluster design effect (n' = n/deff).
 *
 * - Rates: the binomial tail of the count at the limit's rate, on n' = n/deff and count/deff.
 * - Percentiles (`p99 <= L`): the count of requests beyond L against the share the quantile allows (1 − q), the
 *   same binomial tail: "more than 1% of requests above L" beyond chance.
 * - Means: the normal tail of (mean − L)/√(σ²·deff/n).
 */
function limitPValue(
  sample: MetricSample,
  metric: MetricDefinition,
  threshold: number,
  higherOk: boolean,
): number {
  const deff = Math.max(1, sample.designEffect);
  const nEff = sample.n / deff;
  if (sample.type === 'quantile') {
    const beyond = higherOk ? sample.sketch.countBelow(threshold) : sample.sketch.countAbove(threshold);
    const allowed = higherOk ? sample.q : 1 - sample.q;
    return binomialUpperTail(beyond / deff, nEff, allowed);
  }
  if (metric.isRate && sample.mean >= 0 && sample.mean <= 1 && threshold > 0 && threshold < 1) {
    // Count the side that breaks the limit: failures below a `>=` limit, hits above a `<=` one.
    const bad = higherOk ? (1 - sample.mean) * sample.n : sample.mean * sample.n;
    const allowed = higherOk ? 1 - threshold : threshold;
    return binomialUpperTail(bad / deff, nEff, allowed);
  }
  const se = Math.sqrt((sample.variance * deff) / sample.n);
  const excess = higherOk ? threshold - sample.mean : sample.mean - threshold;
  if (!(se > 0)) return excess > 0 ? 0 : 1;
  return normalUpperTail(excess / se);
}

/**
 * A hard limit on the canary alone, over the check's window (the last interval, widened back within the step by
 * the caller until it holds `minSamples`): `Fail` only when the canary is past `threshold` beyond sampling noise,
 * i.e. the point value breaks the limit and the one-sided p-value of "the true value is at the limit" is below
 * `alpha` (see `limitPValue`: binomial bounds for rates and percentiles, normal for means, all with the cluster
 * design effect). Below `minSamples` (or without data) `Inconclusive`. `Pass` shows as OK (Watch when the point
 * value breaks the limit without significance), `Fail` as Degraded.
 *
 * @example
 * ```ts
 * checkThreshold({ config: { name: 'latency_p99', threshold: 3000, comparison: '<=' }, canary, minSamples: 100 });
 * // → { result: 'Fail', reason: 'latency_p99 canary 3,412 ms > 3,000 ms: 4.1% of requests above it (p=2e-9) …' }
 * ```
 */
export function checkThreshold(input: ThresholdCheckInput): CheckResult {
  const { config, minSamples } = input;
  const metric = input.metric ?? resolveMetric(config);
  if (config.threshold === undefined)
    throw new Error(`metric ${config.name}: a threshold check needs a threshold`);
  const threshold = config.threshold;
  const name = metricKey(config);
  const alpha = input.alpha ?? DEFAULT_LIMIT_ALPHA;
  const comparison: Comparison = config.comparison ?? (metric.direction === 'higher' ? '>=' : '<=');
  if (metric.perMinute === true) return perMinuteLimit(input, metric, name, comparison, threshold, alpha);
  const canary = metric.read(input.canary);
  const stable = input.stable === undefined ? undefined : metric.read(input.stable);
  const nUnits = unitCounts(stable, canary);
  const base = {
    metric: name,
    kind: 'threshold' as const,
    stable: stable === undefined ? null : sampleValue(stable),
    canary: canary === undefined ? null : sampleValue(canary),
    threshold,
    n: { stable: stable?.n ?? 0, canary: canary?.n ?? 0 },
    ...(nUnits === undefined ? {} : { nUnits }),
    ...(input.window === undefined ? {} : { window: input.window }),
    onFail: config.onFail ?? 'rollback',
  };
  const limit = formatValue(threshold, metric.unit);
  const where = input.windowText ?? 'the last interval';
  if (canary === undefined) {
    return {
      ...base,
      result: 'Inconclusive',
      status: 'Inconclusive',
      reason: `${name}: no canary data in ${where} (limit ${PRINTED[comparison]} ${limit})`,
    };
  }
  const value = sampleValue(canary);
  const shown = formatValue(value, metric.unit);
  const units = canary.units > 0 ? `, ${formatCount(canary.units)} units` : '';
  const n = `n=${formatCount(canary.n)}${units}, ${where}`;
  if (canary.n < minSamples) {
    return {
      ...base,
      result: 'Inconclusive',
      status: 'Inconclusive',
      reason: `${name} canary ${shown}: too few samples (n=${formatCount(canary.n)} < ${formatCount(minSamples)}, ${where})`,
    };
  }
  const note = unitNote(canary);
  const higherOk = comparison === '>=' || comparison === '>';
  if (HOLDS[comparison](value, threshold)) {
    return {
      ...base,
      result: 'Pass',
      status: 'OK',
      reason: `${name} canary ${shown} ${PRINTED[comparison]} ${limit} (${n})${note}`,
    };
  }
  const p = limitPValue(canary, metric, threshold, higherOk);
  const pText = p < 1e-6 ? 'p<1e-6' : `p=${p.toPrecision(2)}`;
  if (p > alpha) {
    return {
      ...base,
      result: 'Pass',
      status: 'Watch',
      reason: `${name} canary ${shown} ${BROKEN[comparison]} ${limit} within sampling noise (${pText} > ${alpha}; ${n})${note}`,
    };
  }
  return {
    ...base,
    result: 'Fail',
    status: 'Degraded',
    reason: `${name} canary ${shown} ${BROKEN[comparison]} ${limit} beyond sampling noise (${pText} ≤ ${alpha}; ${n})${note}`,
  };
}

/**
 * A limit on canary events per minute (`per_minute`): the window's count k over its length T minutes against the
 * limit L, failed when the rate is past L beyond Poisson noise (P(X ≥ k | λ = L·T) ≤ α for an upper limit).
 */
function perMinuteLimit(
  input: ThresholdCheckInput,
  metric: MetricDefinition,
  name: string,
  comparison: Comparison,
  threshold: number,
  alpha: number,
): CheckResult {
  const { window } = input;
  if (window === undefined) throw new Error(`metric ${name}: a per-minute limit needs the window it judges`);
  const minutes = Math.max(1e-9, (window.to - window.from) / 60_000);
  const sample = metric.read(input.canary);
  const count = sample?.type === 'mean' ? sample.mean : 0;
  const value = count / minutes;
  const perMinute = (x: number): string => `${formatValue(x, 'number')}/min`;
  const where = input.windowText ?? 'the last interval';
  const base = {
    metric: name,
    kind: 'threshold' as const,
    stable: null,
    canary: sample === undefined ? null : value,
    threshold,
    n: { stable: 0, canary: sample?.n ?? 0 },
    window,
    onFail: input.config.onFail ?? 'rollback',
  };
  const limit = `${PRINTED[comparison]} ${perMinute(threshold)}`;
  if (sample === undefined || sample.n < input.minSamples) {
    const why =
      sample === undefined
        ? 'no canary requests'
        : `too few samples (n=${formatCount(sample.n)} < ${formatCount(input.minSamples)}`;
    return {
      ...base,
      result: 'Inconclusive',
      status: 'Inconclusive',
      reason: `${name}: ${why}${sample === undefined ? '' : ')'} in ${where} (limit ${limit})`,
    };
  }
  const figures = `${formatCount(count)} events in ${where}, n=${formatCount(sample.n)}`;
  const shown = perMinute(value);
  if (HOLDS[comparison](value, threshold)) {
    return { ...base, result: 'Pass', status: 'OK', reason: `${name} canary ${shown} ${limit} (${figures})` };
  }
  const higherOk = comparison === '>=' || comparison === '>';
  const lambda = threshold * minutes;
  const p = higherOk ? 1 - poissonUpperTail(count + 1, lambda) : poissonUpperTail(count, lambda);
  const pText = p < 1e-6 ? 'p<1e-6' : `p=${p.toPrecision(2)}`;
  const broken = `${BROKEN[comparison]} ${perMinute(threshold)}`;
  if (p > alpha) {
    return {
      ...base,
      result: 'Pass',
      status: 'Watch',
      reason: `${name} canary ${shown} ${broken} within Poisson noise (${pText} > ${alpha}; ${figures})`,
    };
  }
  return {
    ...base,
    result: 'Fail',
    status: 'Degraded',
    reason: `${name} canary ${shown} ${broken} beyond Poisson noise (${pText} ≤ ${alpha}; ${figures})`,
  };
}
