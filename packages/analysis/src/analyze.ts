import {
  type AnalysisConfig,
  DEFAULT_ALPHA,
  DEFAULT_MIN_SAMPLES,
  type MetricConfig,
} from './analysis-config.js';
import type { ArmAggregate } from './arm-aggregate.js';
import type { CheckResult } from './check-result.js';
import { checkThreshold } from './check-threshold.js';
import { compareArms } from './compare-arms.js';
import { BUILT_IN_METRICS, resolveMetric, sampleValue } from './metric-definition.js';
import { checkSampleRatio, type SrmResult, type SrmSlice, srmNotApplicable } from './sample-ratio-check.js';
import { createSequentialState, type SequentialState, sequentialKey } from './sequential-state.js';
import { UnitExposures } from './unit-exposures.js';

/** One arm in the analysis answer: API.md's `arms.stable` / `arms.canary`. */
export interface ArmSummary {
  version?: string;
  n: number;
  /** Every built-in metric with data plus every configured one with data (rates as fractions, latencies in ms). */
  metrics: Record<string, number>;
}

/** Input of {@link analyze}. */
export interface AnalyzeInput {
  config: AnalysisConfig;
  /** The window shown in `arms` (API.md: `?window=step|rollout|5m`), all traffic. */
  window: { stable?: ArmAggregate; canary: ArmAggregate };
  /**
   * Hard limits look here: all canary traffic of the last interval (a caller may widen it to reach the minimum
   * samples at low traffic). Stable is for display.
   */
  lastInterval: { stable?: ArmAggregate; canary: ArmAggregate };
  /**
   * Split-assigned traffic accumulated for the sequential checks (pooled across stages while the canary is at or
   * below 50%). Omit it where there is no stable arm (100% segments, `monitorFor`): only hard limits run then.
   */
  cumulative?: { stable: ArmAggregate; canary: ArmAggregate };
  /**
   * The SRM check's data: split-assigned units at first exposure over the rollout ({@link UnitExposures}), or,
   * for spans without a unit, per-slice split span counts and expected weights (request-level); `n/a` during
   * segment phases.
   */
  srm?: UnitExposures | readonly SrmSlice[] | 'n/a';
  /** The state returned by the previous look; omit on the first look (or to restart the sequential test). */
  state?: SequentialState;
  versions?: { stable?: string; canary?: string };
}

/** API.md's analysis answer (without `window`, which the caller adds) plus the state to persist. */
export interface AnalysisResult {
  arms: { stable: ArmSummary; canary: ArmSummary };
  checks: CheckResult[];
  srm: SrmResult;
  state: SequentialState;
}

/** Which sequential check a metric gets, if any: its tolerance, else the regression test unless `compare: false`. */
export function sequentialKind(config: MetricConfig): 'relative' | 'regression' | undefined {
  if (config.maxIncrease !== undefined || config.maxDecrease !== undefined) return 'relative';
  return config.compare === false ? undefined : 'regression';
}

function summarize(
  agg: ArmAggregate | undefined,
  configs: readonly MetricConfig[],
  version: string | undefined,
): ArmSummary {
  const out: ArmSummary = { n: agg?.spans ?? 0, metrics: {} };
  if (version !== undefined) out.version = version;
  if (agg === undefined) return out;
  const names = [...BUILT_IN_METRICS.map((name) => ({ name }) as MetricConfig), ...configs];
  for (const config of names) {
    const sample = resolveMetric(config).read(agg);
    if (sample !== undefined) out.metrics[config.name] = sampleValue(sample);
  }
  return out;
}

/**
 * Runs one look of a rollout's analysis: hard limits on the last interval, the sequential comparisons (α split
 * across them, Bonferroni) on the accumulated split traffic, and the SRM check; returns API.md's shape and the
 * state for the next look. It decides nothing about the rollout itself: the controller reads `checks` and `srm`.
 *
 * @example
 * ```ts
 * const look = analyze({ config, window, lastInterval, cumulative, srm: slices, state });
 * await store.saveState(rolloutId, look.state);
 * ```
 */
export function analyze(input: AnalyzeInput): AnalysisResult {
  const { config } = input;
  const alpha = config.alpha ?? DEFAULT_ALPHA;
  const defaultMin = config.minSamples ?? DEFAULT_MIN_SAMPLES;
  const prior = input.state ?? createSequentialState();
  const state: SequentialState = { v: 1, checks: { ...prior.checks } };
  if (prior.srm !== undefined) state.srm = prior.srm;

  const sequentialCount = config.metrics.filter((m) => sequentialKind(m) !== undefined).length;
  const alphaEach = sequentialCount > 0 ? alpha / sequentialCount : alpha;
  const checks: CheckResult[] = [];
  for (const metricConfig of config.metrics) {
    const metric = resolveMetric(metricConfig);
    const minSamples = metricConfig.minSamples ?? defaultMin;
    if (metricConfig.threshold !== undefined) {
      checks.push(
        checkThreshold({
          config: metricConfig,
          metric,
          canary: input.lastInterval.canary,
          ...(input.lastInterval.stable === undefined ? {} : { stable: input.lastInterval.stable }),
          minSamples,
        }),
      );
    }
    const kind = sequentialKind(metricConfig);
    if (kind === undefined || input.cumulative === undefined) continue;
    const key = sequentialKey(metricConfig.name, kind);
    const outcome = compareArms({
      config: metricConfig,
      metric,
      kind,
      stable: input.cumulative.stable,
      canary: input.cumulative.canary,
      alpha: alphaEach,
      minSamples,
      ...(prior.checks[key] === undefined ? {} : { state: prior.checks[key] }),
    });
    if (outcome.state !== undefined) state.checks[key] = outcome.state;
    checks.push(outcome.check);
  }

  let srm: SrmResult;
  if (input.srm === undefined || input.srm === 'n/a') {
    srm = srmNotApplicable(input.srm === 'n/a' ? undefined : 'no split data given');
  } else {
    const out = checkSampleRatio({
      ...(input.srm instanceof UnitExposures ? { units: input.srm } : { slices: input.srm }),
      ...(prior.srm === undefined ? {} : { state: prior.srm }),
    });
    srm = out.srm;
    if (out.state !== undefined) state.srm = out.state;
  }

  return {
    arms: {
      stable: summarize(input.window.stable, config.metrics, input.versions?.stable),
      canary: summarize(input.window.canary, config.metrics, input.versions?.canary),
    },
    checks,
    srm,
    state,
  };
}
