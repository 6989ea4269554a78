/** How a custom metric aggregates its attribute. */
export type CustomAggregate = 'rate' | 'mean' | 'p50' | 'p95' | 'p99';

/** Comparison operators of a hard limit. */
export type Comparison = '>=' | '<=' | '>' | '<';

/** What a failing metric asks the controller to do. */
export type OnFail = 'rollback' | 'pause';

/**
 * One entry of a PromptPack's `analysis.metrics`, already parsed: rates as fractions (90% → 0.9), latencies in ms,
 * tolerances as fractions (50% → 0.5; for rate metrics an absolute number of points: 2% → 0.02).
 */
export interface MetricConfig {
  name: string;
  /** Hard limit on the canary over the last interval. */
  threshold?: number;
  /** Operator of the hard limit; default `>=` for higher-is-better metrics, `<=` otherwise. */
  comparison?: Comparison;
  /** Tolerated increase relative to stable (absolute points for rates); the harmful direction is up. */
  maxIncrease?: number;
  /** Tolerated decrease relative to stable (absolute points for rates); the harmful direction is down. */
  maxDecrease?: number;
  /** A custom metric's source. */
  from?: { attribute: string; aggregate: CustomAggregate };
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
