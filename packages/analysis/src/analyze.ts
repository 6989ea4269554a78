import {
  type AnalysisConfig,
  DEFAULT_ALPHA,
  DEFAULT_MIN_SAMPLES,
  type MetricConfig,
  metricKey,
} from './analysis-config.js';
import { ArmAggregate } from './arm-aggregate.js';
import type { CheckResult } from './check-result.js';
import { checkThreshold } from './check-threshold.js';
import { compareArms } from './compare-arms.js';
import { formatCount } from './format.js';
import { BUILT_IN_METRICS, downstreamMetricsOf, resolveMetric, sampleValue } from './metric-definition.js';
import { checkSampleRatio, type SrmResult, type SrmSlice, srmNotApplicable } from './sample-ratio-check.js';
import { createSequentialState, type SequentialState, sequentialKey } from './sequential-state.js';
import { UnitExposures } from './unit-exposures.js';
import { type StepSlice, type WidenedWindow, widenWindow } from './widen-window.js';

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
  lastInterval?: { stable?: ArmAggregate; canary: ArmAggregate };
  /**
   * The current step's slices, oldest first (newest last), all traffic per arm. When given (with `intervalMs` and
   * `nowMs`), each hard limit judges the last interval widened back one slice at a time within the step until
   * the canary holds the metric's minimum samples (STATISTICS.md), and reports the window it used; it replaces
   * `lastInterval`.
   */
  stepSlices?: readonly StepSlice[];
  /** The analysis interval in ms (the last interval's length), with `stepSlices`. */
  intervalMs?: number;
  /** The look's time, epoch ms, with `stepSlices` (the windows end here). */
  nowMs?: number;
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
  // A count over time scales with the canary's weight: it is never compared with stable.
  if (config.from !== undefined && 'attribute' in config.from && config.from.aggregate === 'per_minute') {
    return undefined;
  }
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
    const metric = resolveMetric(config);
    // A count over time needs the window's length, which `arms` does not have: its checks carry the rate.
    if (metric.perMinute === true) continue;
    const sample = metric.read(agg);
    if (sample !== undefined) out.metrics[metricKey(config)] = sampleValue(sample);
  }
  // Every downstream service with data, configured or not (the configured ones are among them).
  for (const metric of downstreamMetricsOf(agg)) {
    const sample = metric.read(agg);
    if (sample !== undefined) out.metrics[metric.name] = sampleValue(sample);
  }
  return out;
}

function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const m = ms / 60_000;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} min`;
}

/** The hard limits' checks by metric config: on `stepSlices` (widened windows) or on `lastInterval`. */
function hardLimits(input: AnalyzeInput, defaultMin: number): Map<MetricConfig, CheckResult> {
  const out = new Map<MetricConfig, CheckResult>();
  const pending = input.config.metrics.filter((m) => m.threshold !== undefined);
  if (pending.length === 0) return out;
  const limitAlpha = input.config.limitAlpha;
  const judge = (config: MetricConfig, w: { stable?: ArmAggregate; canary: ArmAggregate }, extra: object) =>
    checkThreshold({
      config,
      metric: resolveMetric(config),
      canary: w.canary,
      ...(w.stable === undefined ? {} : { stable: w.stable }),
      minSamples: config.minSamples ?? defaultMin,
      ...(limitAlpha === undefined ? {} : { alpha: limitAlpha }),
      ...extra,
    });
  const { stepSlices, intervalMs, nowMs } = input;
  if (stepSlices === undefined || intervalMs === undefined || nowMs === undefined) {
    if (input.lastInterval === undefined)
      throw new Error('analyze: hard limits need stepSlices or lastInterval');
    const window =
      nowMs !== undefined && intervalMs !== undefined
        ? { window: { from: nowMs - intervalMs, to: nowMs } }
        : {};
    for (const config of pending) out.set(config, judge(config, input.lastInterval, window));
    return out;
  }
  const describe = (w: WidenedWindow, config: MetricConfig, enough: boolean): string => {
    const span = minutes(w.to - w.from);
    if (!w.widened) return `last ${span}`;
    const min = formatCount(config.minSamples ?? defaultMin);
    return enough
      ? `last ${span}, widened within the step to reach ${min} samples`
      : `the whole step (${span})`;
  };
  let last: WidenedWindow | undefined;
  for (const w of widenWindow(stepSlices, intervalMs, nowMs)) {
    last = w;
    for (const config of pending) {
      if (out.has(config)) continue;
      const n = resolveMetric(config).read(w.canary)?.n ?? 0;
      if (n < (config.minSamples ?? defaultMin)) continue;
      const window = { from: w.from, to: w.to };
      out.set(config, judge(config, w, { window, windowText: describe(w, config, true) }));
    }
    if (out.size === pending.length) break;
  }
  for (const config of pending) {
    if (out.has(config)) continue;
    if (last === undefined) {
      out.set(config, judge(config, { canary: new ArmAggregate() }, { windowText: 'the step (no data)' }));
      continue;
    }
    const window = { from: last.from, to: last.to };
    out.set(config, judge(config, last, { window, windowText: describe(last, config, false) }));
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
  const limits = hardLimits(input, defaultMin);
  const checks: CheckResult[] = [];
  for (const metricConfig of config.metrics) {
    const metric = resolveMetric(metricConfig);
    const minSamples = metricConfig.minSamples ?? defaultMin;
    const limit = limits.get(metricConfig);
    if (limit !== undefined) checks.push(limit);
    const kind = sequentialKind(metricConfig);
    if (kind === undefined || input.cumulative === undefined) continue;
    const key = sequentialKey(metricKey(metricConfig), kind);
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
