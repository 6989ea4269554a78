/**
 * How a custom metric aggregates a span attribute: the share of true values (`rate`), the mean or a percentile of
 * its values, or the canary's events per minute over the judged window (`per_minute`: true values counted, numbers
 * summed). A count over time grows with the canary's weight, so `per_minute` takes hard limits only.
 */
export type CustomAggregate = 'rate' | 'mean' | 'p50' | 'p95' | 'p99' | 'per_minute';

/** Comparison operators of a hard limit. */
export type Comparison = '>=' | '<=' | '>' | '<';

/**
 * What a failing metric asks the controller to do: roll back, pause, or record it and notify while the rollout
 * goes on.
 */
export type OnFail = 'rollback' | 'pause' | 'notify';

/** Which way is better for a metric: a larger value (`higher`) or a smaller one (`lower`). */
export type Direction = 'higher' | 'lower';

/**
 * How `maxIncrease`/`maxDecrease` read: a fraction of stable's value (`relative`), absolute points of a rate
 * (`points`, as a fraction), or an amount in the metric's own unit (`absolute`: ms for latencies, tokens, cost, a
 * fraction for rates, where it equals `points`).
 */
export type ToleranceUnit = 'relative' | 'points' | 'absolute';

/**
 * How a custom metric aggregates a tracking event: the mean or a percentile of its values (an event sent without a
 * value counts as 1 in the mean and is left out of percentiles), the events per request, or the events per
 * assignment unit of the arm.
 */
export type EventAggregate = 'mean' | 'p50' | 'p95' | 'p99' | 'per_request' | 'per_unit';

/**
 * Where a custom metric's values come from: a span attribute, a tracking event (`POST /track`), or a score
 * (`POST /scores`, by evaluator name) judged against a pass mark, which makes the metric the rate of passing
 * scores.
 */
export type MetricSource =
  | { attribute: string; aggregate: CustomAggregate }
  | { event: string; aggregate: EventAggregate }
  | { score: string; pass: { comparison: Comparison; value: number } };

/**
 * One entry of a PromptPack's `analysis.metrics`, already parsed: rates as fractions (90% → 0.9), latencies in ms,
 * tolerances as fractions with their unit (`50%` → 0.5 relative; `2pt` → 0.02 in points).
 */
export interface MetricConfig {
  name: string;
  /**
   * Which way is better. Built-in metrics have a fixed direction and ignore this; a custom metric must state it
   * (without it, only a tolerance or a comparison can say, and `resolveMetric` throws when neither does: the
   * direction is never guessed from the name).
   */
  direction?: Direction;
  /** Hard limit on the canary over the last interval. */
  threshold?: number;
  /** Operator of the hard limit; default `>=` for higher-is-better metrics, `<=` otherwise (from the direction). */
  comparison?: Comparison;
  /**
   * Tolerated increase against stable, a fraction read by `toleranceUnit`: 0.5 = +50% of stable's value, or (points)
   * 0.02 = +2 points of a rate. The harmful direction is up.
   */
  maxIncrease?: number;
  /** Tolerated decrease against stable, read like `maxIncrease`; the harmful direction is down. */
  maxDecrease?: number;
  /**
   * How the tolerance reads: `relative` (default, every metric: a fraction of stable's value), `points` (rates
   * only: absolute points as a fraction, 0.02 = 2 points) or `absolute` (the metric's own unit: 200 = +200 ms on a
   * latency, 100 = +100 tokens; on a rate the same as `points`).
   */
  toleranceUnit?: ToleranceUnit;
  /** A custom metric's source. */
  from?: MetricSource;
  /**
   * `eval_pass_rate` only: one evaluator's (score name's) series instead of every score pooled; the checks and arms
   * report it as `eval_pass_rate:<evaluator>` (see `metricKey`).
   */
  evaluator?: string;
  /**
   * `downstream_error_rate` / `downstream_latency_p99` only (and required there): the downstream service
   * (`service.name`) whose spans the metric reads; reported as `downstream_error_rate:<service>` (see `metricKey`).
   */
  service?: string;
  /** Default `rollback`. */
  onFail?: OnFail;
  /** The regression test against stable; default true. */
  compare?: boolean;
  /** Minimum samples per arm for this metric; default the analysis' `minSamples`. */
  minSamples?: number;
}

/** A PromptPack's `analysis` block as far as the checks need it. */
export interface AnalysisConfig {
  metrics: readonly MetricConfig[];
  /** Per arm, per metric; default {@link DEFAULT_MIN_SAMPLES}. */
  minSamples?: number;
  /** Rollout-level false-fail budget, split across the sequential checks; default {@link DEFAULT_ALPHA}. */
  alpha?: number;
  /** One-sided level of each hard limit's bound at each look; default 0.001 (`DEFAULT_LIMIT_ALPHA`). */
  limitAlpha?: number;
}

/** Default minimum samples per arm and metric. */
export const DEFAULT_MIN_SAMPLES = 100;

/** Default rollout-level α of the sequential checks. */
export const DEFAULT_ALPHA = 0.05;

/**
 * The name a metric's checks and arm values carry: its name, `eval_pass_rate:<evaluator>` for one evaluator's
 * series, or `downstream_error_rate:<service>` for one downstream service's.
 */
export function metricKey(config: Pick<MetricConfig, 'name' | 'evaluator' | 'service'>): string {
  const qualifier = config.evaluator ?? config.service;
  return qualifier === undefined ? config.name : `${config.name}:${qualifier}`;
}
