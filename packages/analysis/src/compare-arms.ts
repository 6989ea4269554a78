import { type MetricConfig, metricKey } from './analysis-config.js';
import type { ArmAggregate } from './arm-aggregate.js';
import type { CheckResult, CheckStatus } from './check-result.js';
import { formatCount, formatLevel, formatPercent, formatSigned, formatValue } from './format.js';
import type { MeanSample, MetricDefinition, MetricSample, QuantileSample } from './metric-definition.js';
import { LOG_LATENCY_TAU, resolveMetric, sampleValue } from './metric-definition.js';
import { msprtHarm } from './msprt.js';
import { type SequentialCheckState, updateSequentialCheck } from './sequential-state.js';
import { designNote, unitCounts, unitNote, unitsText } from './unit-note.js';

/** Input of {@link compareArms}. */
export interface ComparisonInput {
  config: MetricConfig;
  /** `relative`: against the configured `maxIncrease`/`maxDecrease`; `regression`: tolerance 0, harm side only. */
  kind: 'relative' | 'regression';
  /** Split-assigned stable traffic accumulated over the rollout (STATISTICS.md "Which data a look sees"). */
  stable: ArmAggregate;
  /** Split-assigned canary traffic over the same window. */
  canary: ArmAggregate;
  /** This check's level: the rollout's α divided by the number of sequential checks (Bonferroni). */
  alpha: number;
  /** Minimum samples per arm. */
  minSamples: number;
  /** The check's state after the previous look, if any. */
  state?: SequentialCheckState;
  /** Default: resolved from the config. */
  metric?: MetricDefinition;
}

/** A comparison's result and the check's state to persist for the next look. */
export interface ComparisonOutcome {
  check: CheckResult;
  /** Unchanged (or absent) when the look was inconclusive. */
  state: SequentialCheckState | undefined;
}

/** What the mSPRT saw at this look, harm oriented: `delta > 0` is the harmful side. */
interface Statistic {
  delta: number;
  variance: number;
  tau: number;
  /** Maps the harm-oriented interval [delta ± w] to the reported interval (canary − stable). */
  toReported: (x: number) => number;
  /** Words with the figures, before the interval. */
  describe: (interval: [number, number]) => string;
}

function harmSign(config: MetricConfig, metric: MetricDefinition, kind: ComparisonInput['kind']): 1 | -1 {
  if (kind === 'relative') return config.maxIncrease !== undefined ? 1 : -1;
  return metric.direction === 'higher' ? -1 : 1;
}

function meanStatistic(
  metric: MetricDefinition,
  s: MeanSample,
  c: MeanSample,
  h: 1 | -1,
  tolerance: number,
  points: boolean,
  priorTau: number | undefined,
): Statistic {
  // A tolerance in points or in the metric's unit is absolute; a relative one is a multiple of stable's mean.
  const factor = points ? 1 : 1 + h * tolerance;
  const shifted = points ? s.mean + h * tolerance : factor * s.mean;
  const delta = h * (c.mean - shifted);
  // Rates: each arm's p(1 − p), but never below the pooled p̄(1 − p̄) (the variance under "no difference"): a small
  // arm that happens to have no errors has p(1 − p) = 0, which would make a chance difference look certain.
  const pooled = (c.mean * c.n + s.mean * s.n) / (c.n + s.n);
  const floor = metric.isRate ? pooled * (1 - pooled) : 0;
  const vc = Math.max(c.variance, floor);
  const vs = Math.max(s.variance, floor);
  const variance = (vc * c.designEffect) / c.n + (factor * factor * vs * s.designEffect) / s.n;
  const toleranceTau = points ? tolerance ** 2 : (tolerance * s.mean) ** 2;
  const tau = priorTau ?? (toleranceTau > 0 ? toleranceTau : metric.defaultTau(s));
  const offset = shifted - s.mean;
  const diff = c.mean - s.mean;
  return {
    delta,
    variance,
    tau,
    toReported: (x) => h * x + offset,
    describe: ([lo, hi]) => {
      const head = `${metric.name} canary ${formatValue(c.mean, metric.unit)} vs stable ${formatValue(s.mean, metric.unit)}`;
      if (metric.isRate) {
        return `${head}: ${formatSigned(diff * 100)} points, always-valid LEVEL interval [${formatSigned(lo * 100)}, ${formatSigned(hi * 100)}]`;
      }
      if (s.mean === 0) {
        return `${head}: ${formatSigned(diff, 4)}, always-valid LEVEL interval [${formatSigned(lo, 4)}, ${formatSigned(hi, 4)}]`;
      }
      const pct = (x: number): string => `${formatSigned((x / Math.abs(s.mean)) * 100)}%`;
      return `${head}: ${pct(diff)}, always-valid LEVEL interval [${pct(lo)}, ${pct(hi)}] of stable`;
    },
  };
}

/**
 * Exceedance-rate test for percentiles (STATISTICS.md "Latency"): the share of canary requests beyond stable's
 * q-quantile (moved by the tolerance) against stable's own share beyond it (≈ 1 − q). A rate, tested like any
 * other; the sketch counts are exact for a threshold within 1% of the quantile (see `QuantileSketch`).
 */
function quantileStatistic(
  metric: MetricDefinition,
  s: QuantileSample,
  c: QuantileSample,
  h: 1 | -1,
  tolerance: number,
  priorTau: number | undefined,
): Statistic {
  // Without a tolerance the threshold is the pooled arms' quantile: under "no difference" both arms' shares beyond
  // it are alike, whereas stable's own quantile is fitted to stable's sample (its share beyond is ≈ 1 − q by
  // construction, with no sampling noise left to test against). With a tolerance, stable's quantile moved by it.
  let reference = s.value;
  if (tolerance === 0) {
    const both = s.sketch.clone();
    both.merge(c.sketch);
    reference = both.quantile(s.q) ?? s.value;
  }
  const limit = reference * (1 + h * tolerance);
  const kc = h === 1 ? c.sketch.countAbove(limit) : c.sketch.countBelow(limit);
  const ks = h === 1 ? s.sketch.countAbove(reference) : s.sketch.countBelow(reference);
  const pc = kc / c.n;
  const ps = ks / s.n;
  const delta = pc - ps;
  // Each arm's share, floored at the pooled one, as for rates.
  const pooled = (kc + ks) / (c.n + s.n);
  const vp = pooled * (1 - pooled);
  const variance =
    (Math.max(pc * (1 - pc), vp) * c.designEffect) / c.n +
    (Math.max(ps * (1 - ps), vp) * s.designEffect) / s.n;
  const tau = priorTau ?? metric.defaultTau(s);
  const label = `p${Math.round(s.q * 100)}`;
  const side = h === 1 ? 'slower' : 'faster';
  const moved = tolerance > 0 ? ` ${h === 1 ? '+' : MINUS_SIGN}${formatPercent(tolerance)}` : '';
  return {
    delta,
    variance,
    tau,
    toReported: (x) => x,
    describe: ([lo, hi]) =>
      `${metric.name} canary ${formatValue(c.value, metric.unit)} vs stable ${formatValue(s.value, metric.unit)}: ` +
      `${formatPercent(pc)} of canary requests ${side} than ${tolerance === 0 ? "both arms'" : "stable's"} ${label}${moved} (stable ${formatPercent(ps)}), ` +
      `${formatSigned(delta * 100)} points, always-valid LEVEL interval [${formatSigned(lo * 100)}, ${formatSigned(hi * 100)}]`,
  };
}

const MINUS_SIGN = '\u2212';

/**
 * Units (cluster buckets) per arm before a comparison judges: a variance estimated from fewer clusters is too
 * unsure even after the small-cluster widening (`smallClusterFactor`).
 */
export const MIN_CLUSTERS = 20;

/** Expected count beyond the quantile, per arm, before the exceedance test counts (see `compareArms`). */
const MIN_TAIL_COUNT = 10;

/**
 * The mean test on ln(latency): Δ̂ = h·(mean ln canary − mean ln stable − ln(1 + h·m)), so a tolerance of +20% on a
 * percentile tolerates a 20% slower typical request; τ = {@link LOG_LATENCY_TAU} (a 10% shift).
 */
function logLatencyLook(
  s: MeanSample,
  c: MeanSample,
  h: 1 | -1,
  tolerance: number,
  alpha: number,
): { delta: number; p: number; ratio: number } {
  const shift = Math.log(Math.max(1e-9, 1 + h * tolerance));
  const delta = h * (c.mean - s.mean - shift);
  const variance = (c.variance * c.designEffect) / c.n + (s.variance * s.designEffect) / s.n;
  const look = msprtHarm(delta, variance, LOG_LATENCY_TAU, alpha);
  return { delta, p: look.p, ratio: Math.exp(c.mean - s.mean) };
}

/**
 * A sequential comparison of canary with stable (a relative limit or the regression test), valid when looked at
 * every interval for the whole rollout: the mSPRT of STATISTICS.md with a normal mixture of variance τ (from the
 * tolerance, else the metric's default, frozen at the first conclusive look) over harmful differences only ({@link msprtHarm}), and the running
 * minimum of the always-valid p-value kept in `state`. Rates and means (`latency_avg`, tokens, cost, custom
 * means) use the mean test. Latency percentiles (`latency_p50|p95|p99`) run two tests, each at α/2: the
 * exceedance rate over stable's quantile (tail regressions; its interval is the one reported) and the mean of
 * log-latency (shifts of the whole distribution, e.g. +800 ms on every request); either one fails the check, and
 * `pValue` is the Bonferroni-adjusted minimum of the two. Custom percentiles use the exceedance test alone.
 *
 * `Fail` (Degraded) once the always-valid p-value reaches α on the harmful side; otherwise `Pass`: Improved when
 * the interval lies wholly on the good side, Watch when the estimate is on the harmful side of the tolerance,
 * OK otherwise. `Inconclusive` only with too few samples or no data.
 */
export function compareArms(input: ComparisonInput): ComparisonOutcome {
  const { config, kind, alpha, minSamples } = input;
  const metric = input.metric ?? resolveMetric(config);
  const s = metric.read(input.stable);
  const c = metric.read(input.canary);
  const base = {
    metric: metricKey(config),
    kind,
    stable: s === undefined ? null : sampleValue(s),
    canary: c === undefined ? null : sampleValue(c),
    n: { stable: s?.n ?? 0, canary: c?.n ?? 0 },
    onFail: config.onFail ?? 'rollback',
    alpha,
  };
  const nUnits = unitCounts(s, c);
  if (nUnits !== undefined) Object.assign(base, { nUnits });
  const fewUnits = (x: MetricSample | undefined): boolean =>
    x !== undefined && x.units > 0 && x.clusters < MIN_CLUSTERS;
  if (
    s === undefined ||
    c === undefined ||
    s.n < minSamples ||
    c.n < minSamples ||
    fewUnits(s) ||
    fewUnits(c)
  ) {
    const what =
      s === undefined || c === undefined
        ? `no ${s === undefined ? 'stable' : 'canary'} data`
        : s.n < minSamples || c.n < minSamples
          ? `too few samples (n=${formatCount(c.n)}/${formatCount(s.n)}, need ${formatCount(minSamples)} per arm)`
          : `too few units (${formatCount(c.units)}/${formatCount(s.units)}, need ${MIN_CLUSTERS} per arm for a variance)`;
    return {
      check: { ...base, result: 'Inconclusive', status: 'Inconclusive', reason: `${base.metric}: ${what}` },
      state: input.state,
    };
  }
  const h = harmSign(config, metric, kind);
  const tolerance = kind === 'relative' ? (config.maxIncrease ?? config.maxDecrease ?? 0) : 0;
  const unit = kind === 'relative' ? (config.toleranceUnit ?? 'relative') : 'relative';
  if (unit === 'points' && !(metric.isRate && s.type === 'mean')) {
    throw new Error(`metric ${config.name}: a tolerance in points applies to rates only`);
  }
  // An amount in the metric's own unit is absolute for a mean (points, for a rate); for a percentile it becomes the
  // fraction of stable's quantile it amounts to, which both percentile tests read.
  const absolute = unit === 'points' || unit === 'absolute';
  const relativeTolerance =
    absolute && s.type === 'quantile' ? (s.value > 0 ? tolerance / s.value : 0) : tolerance;
  const priorTau = input.state?.tau;
  let stat: Statistic;
  if (s.type === 'quantile' && c.type === 'quantile')
    stat = quantileStatistic(metric, s, c, h, relativeTolerance, priorTau);
  else if (s.type === 'mean' && c.type === 'mean')
    stat = meanStatistic(metric, s, c, h, tolerance, absolute, priorTau);
  else throw new Error(`metric ${metric.name}: the arms read different kinds of sample`);
  // Latency percentiles run two tests at α/2 each: the exceedance rate (the tail) and the log-latency mean (a shift
  // of the whole distribution, which a tail share sees only slowly at low traffic).
  const logLook =
    s.type === 'quantile' && c.type === 'quantile' && s.log !== undefined && c.log !== undefined
      ? logLatencyLook(s.log, c.log, h, relativeTolerance, alpha / 2)
      : undefined;
  const level = logLook === undefined ? alpha : alpha / 2;
  const look = msprtHarm(stat.delta, stat.variance, stat.tau, level);
  const harmful = stat.delta > 0 || (logLook !== undefined && logLook.delta > 0);
  // A share beyond a tail quantile is a count of rare events: its normal approximation needs an expected count of
  // MIN_TAIL_COUNT in each arm (1,000 requests per arm for p99); until then only the log-latency test decides.
  const thinTail =
    s.type === 'quantile' &&
    Math.min(s.n, c.n) * Math.min(s.q, 1 - s.q) < MIN_TAIL_COUNT &&
    logLook !== undefined;
  const state = updateSequentialCheck(input.state, {
    p: stat.delta > 0 && !thinTail ? look.p : 1,
    tau: stat.tau,
    ...(logLook === undefined ? {} : { pLog: logLook.delta > 0 ? logLook.p : 1 }),
  });
  const a = stat.toReported(stat.delta - look.halfWidth);
  const b = stat.toReported(stat.delta + look.halfWidth);
  const interval: [number, number] = [Math.min(a, b), Math.max(a, b)];
  // Reported intervals are canary − stable; "good" is the side away from harm (h = +1: an increase harms).
  const good = h === 1 ? interval[1] < 0 : interval[0] > 0;
  const pValue = Math.min(1, (alpha / level) * Math.min(state.minP, state.minPLog ?? 1));
  const failed = pValue <= alpha;
  const status: CheckStatus = failed ? 'Degraded' : good ? 'Improved' : harmful ? 'Watch' : 'OK';
  let reason = `${stat.describe(interval).replace('LEVEL', formatLevel(level))}`;
  if (logLook !== undefined) reason += `, geometric mean ${formatSigned(logLook.ratio * 100 - 100)}%`;
  if (kind === 'relative') {
    const sign = h === 1 ? '+' : MINUS_SIGN;
    const tol =
      absolute && metric.isRate
        ? `${formatSigned(h * tolerance * 100)} points`
        : absolute
          ? `${sign}${formatValue(tolerance, metric.unit)}`
          : `${sign}${formatPercent(tolerance)}`;
    reason += `, tolerance ${tol}`;
  }
  reason += `${designNote(s, c)} (n=${formatCount(c.n)}/${formatCount(s.n)}${unitsText(nUnits)})`;
  reason += unitNote(s, c);
  if (thinTail)
    reason += `; tail test waits for ${formatCount(MIN_TAIL_COUNT / Math.min(s.q, 1 - s.q))} requests per arm`;
  const failsNow =
    (stat.delta > 0 && !thinTail && look.p <= level) ||
    (logLook !== undefined && logLook.delta > 0 && logLook.p <= level);
  if (failed && !failsNow) reason += `; harm shown earlier (p=${pValue.toPrecision(2)})`;
  return {
    check: { ...base, result: failed ? 'Fail' : 'Pass', status, interval, reason, pValue },
    state,
  };
}
