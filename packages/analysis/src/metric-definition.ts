import type { Comparison, Direction, EventAggregate, MetricConfig } from './analysis-config.js';
import type { ArmAggregate } from './arm-aggregate.js';
import type { Moments } from './moments.js';
import { momentsMean, momentsVariance } from './moments.js';
import type { QuantileSketch } from './quantile-sketch.js';
import { CLUSTER_BUCKETS, designEffect, LOG_LATENCY_SCALE, type UnitClusters } from './unit-clusters.js';

export type { Direction } from './analysis-config.js';

/** How a metric's values read: fractions, milliseconds, tokens, money, a 1–5 rating, or a plain number. */
export type MetricUnit = 'fraction' | 'ms' | 'tokens' | 'cost' | 'rating' | 'number';

/**
 * How the requests behind a sample cluster by unit: the variance of the mean is `variance · designEffect / n`
 * (ADR 0005).
 */
export interface UnitInfo {
  /**
   * Cluster-robust variance over request-level variance, ≥ 1: the design effect 1 + (m − 1)·ρ, estimated from the
   * per-unit hash buckets (1 without spread or data).
   */
  designEffect: number;
  /** Share of the sample's values that carried a unit (0..1); the rest count as independent requests. */
  unitShare: number;
  /** Estimated distinct units behind the arm (HyperLogLog, ±9%); 0 when no span carried a unit. */
  units: number;
  /** Non-empty cluster buckets behind the sample (≈ units below 128): the variance's degrees of freedom + 1. */
  clusters: number;
}

/** A per-request mean (a rate is the mean of 0/1 values) with its per-request variance. */
export interface MeanSample extends UnitInfo {
  type: 'mean';
  n: number;
  mean: number;
  /** Per-request variance: p(1 − p) for rates, from the sum of squares for means. */
  variance: number;
}

/** A quantile read from a sketch, kept with the sketch for the exceedance test. */
export interface QuantileSample extends UnitInfo {
  type: 'quantile';
  n: number;
  q: number;
  value: number;
  sketch: QuantileSketch;
  /** For request latencies: the mean and per-request variance of ln(latency in ms), for the log-latency test. */
  log?: MeanSample;
}

/** What a metric reads from one arm's aggregate. */
export type MetricSample = MeanSample | QuantileSample;

/** A metric the analysis knows how to read and compare. */
export interface MetricDefinition {
  name: string;
  direction: Direction;
  unit: MetricUnit;
  /** Whether the metric's values are a rate (fractions 0..1): tolerances in points apply to these only. */
  isRate: boolean;
  /**
   * A count over time (`per_minute`): `read` returns the window's event count as `mean` (with `n` the requests), and
   * only a hard limit judges it, per minute of the window it judged. Never compared with stable.
   */
  perMinute?: boolean;
  /** The metric's value and sample size in one arm; `undefined` when the arm has no data for it. */
  read(agg: ArmAggregate): MetricSample | undefined;
  /**
   * Default mixing variance τ of the sequential test, in the metric's own units (quantile metrics: in exceedance
   * rate), given the stable arm's sample: the square of the smallest regression worth catching.
   */
  defaultTau(stable: MetricSample): number;
}

/** 5 points of any rate (STATISTICS.md). */
const RATE_TAU = 0.0025;
/** A quarter of a star on the 1–5 satisfaction scale. */
const RATING_TAU = 0.0625;
/** 10% of the stable mean for latencies, tokens, cost and custom means. */
const MEAN_RELATIVE_EFFECT = 0.1;
/** A 10% shift of the whole latency distribution, on the log scale. */
export const LOG_LATENCY_TAU = 0.01;
/** Keeps τ positive when stable's mean and spread are both 0. */
const MIN_TAU = 1e-12;

/** Which cluster columns hold a sample's per-bucket counts and sums (`c`, `s`), and whether they are spans. */
interface Columns {
  c: ArrayLike<number> | undefined;
  s: ArrayLike<number> | undefined;
  /** Span-based (unit share from spans) or event-based (feedback, scores). */
  events?: boolean;
  /** The column holds the values times this (log-latency: {@link LOG_LATENCY_SCALE}). */
  scale?: number;
}

const NO_COLUMNS: Columns = { c: undefined, s: undefined };

function unitInfo(u: UnitClusters, cols: Columns, n: number, perRequestVariance: number): UnitInfo {
  let covered = 0;
  if (cols.c !== undefined) for (let b = 0; b < cols.c.length; b++) covered += cols.c[b] ?? 0;
  let total = 0;
  for (let b = 0; b < u.n.length; b++) total += u.n[b] ?? 0;
  const carried =
    cols.events === true ? (u.events > 0 ? u.unitEvents / u.events : 0) : total > 0 ? u.unitSpans / total : 0;
  let clusters = 0;
  if (cols.c !== undefined) for (let b = 0; b < cols.c.length; b++) if ((cols.c[b] ?? 0) > 0) clusters++;
  return {
    clusters: cols.c === undefined ? CLUSTER_BUCKETS : clusters,
    designEffect: designEffect(cols.c, cols.s, perRequestVariance, cols.scale),
    unitShare: n > 0 ? Math.min(1, covered / n) * Math.min(1, carried) : 0,
    units: u.distinctUnits(),
  };
}

function rateSample(agg: ArmAggregate, n: number, successes: number, cols: Columns): MeanSample | undefined {
  if (!(n > 0)) return undefined;
  const p = Math.min(1, Math.max(0, successes / n));
  const variance = p * (1 - p);
  return { type: 'mean', n, mean: p, variance, ...unitInfo(agg.units, cols, n, variance) };
}

function meanSample(agg: ArmAggregate, m: Moments | undefined, cols: Columns): MeanSample | undefined {
  if (m === undefined || !(m.n > 0)) return undefined;
  const variance = momentsVariance(m);
  return {
    type: 'mean',
    n: m.n,
    mean: momentsMean(m) ?? 0,
    variance,
    ...unitInfo(agg.units, cols, m.n, variance),
  };
}

function quantileSample(
  agg: ArmAggregate,
  sketch: QuantileSketch | undefined,
  q: number,
  proxy: MeanSample | undefined,
): QuantileSample | undefined {
  const value = sketch?.quantile(q);
  if (sketch === undefined || value === undefined) return undefined;
  // The tail indicator's design effect is taken from the mean of the same values (log-latency for latencies): an
  // indicator of a tail is less correlated within a unit than the values themselves (ADR 0005).
  return {
    type: 'quantile',
    n: sketch.count,
    q,
    value,
    sketch,
    designEffect: proxy?.designEffect ?? 1,
    clusters: proxy?.clusters ?? CLUSTER_BUCKETS,
    unitShare: proxy?.unitShare ?? 0,
    units: agg.units.distinctUnits(),
  };
}

function logLatencySample(a: ArmAggregate): MeanSample | undefined {
  return meanSample(a, a.logLatency, { c: a.units.n, s: a.units.g, scale: LOG_LATENCY_SCALE });
}

function latencySample(agg: ArmAggregate, q: number): QuantileSample | undefined {
  const log = logLatencySample(agg);
  const sample = quantileSample(agg, agg.latency, q, log);
  if (sample !== undefined && log !== undefined) sample.log = log;
  return sample;
}

/** Element-wise sum of columns (absent ones skipped); `undefined` when all are absent. */
function sumColumns(cols: ReadonlyArray<ArrayLike<number> | undefined>): Float64Array | undefined {
  let out: Float64Array | undefined;
  for (const col of cols) {
    if (col === undefined) continue;
    out ??= new Float64Array(col.length);
    for (let b = 0; b < col.length; b++) out[b] = (out[b] ?? 0) + (col[b] ?? 0);
  }
  return out;
}

function columnsWithPrefix(u: UnitClusters, prefix: string): Array<ArrayLike<number>> {
  const out: Array<ArrayLike<number>> = [];
  for (const [key, col] of u.columns) if (key.startsWith(prefix)) out.push(col);
  return out;
}

const rateTau = (): number => RATE_TAU;

function meanTau(stable: MetricSample): number {
  if (stable.type !== 'mean') return MIN_TAU;
  const scale = Math.max(Math.abs(stable.mean), Math.sqrt(stable.variance));
  return Math.max(MIN_TAU, (MEAN_RELATIVE_EFFECT * scale) ** 2);
}

/**
 * Exceedance-rate effect worth catching: 5 points of the share of requests beyond stable's quantile, as for any
 * rate. Smaller (the tail's own size, 1 point for p99) would favour tiny tail shifts that need large samples anyway,
 * at the cost of power against larger jumps; the mixture only loses a log factor on small effects at high volume.
 * Whole-distribution shifts are the log-latency test's job (see `compareArms`).
 */
function quantileTau(): number {
  return RATE_TAU;
}

function def(
  name: string,
  direction: Direction,
  unit: MetricUnit,
  read: (agg: ArmAggregate) => MetricSample | undefined,
  defaultTau: (stable: MetricSample) => number,
): MetricDefinition {
  return { name, direction, unit, isRate: unit === 'fraction', read, defaultTau };
}

/** Events per request; no data until the arm has any tracking events at all (feedback not wired up). */
function perRequest(agg: ArmAggregate, event: string): MeanSample | undefined {
  if (agg.feedback.size === 0) return undefined;
  const cols = { c: agg.units.n, s: agg.units.columns.get(`f.n:${event}`), events: true };
  return rateSample(agg, agg.spans, agg.feedback.get(event)?.n ?? 0, cols);
}

const BUILT_INS: readonly MetricDefinition[] = [
  def(
    'success_rate',
    'higher',
    'fraction',
    (a) => rateSample(a, a.spans, a.spans - a.errors, spanErrors(a)),
    rateTau,
  ),
  def('error_rate', 'lower', 'fraction', (a) => rateSample(a, a.spans, a.errors, spanErrors(a)), rateTau),
  def('latency_p50', 'lower', 'ms', (a) => latencySample(a, 0.5), quantileTau),
  def('latency_p95', 'lower', 'ms', (a) => latencySample(a, 0.95), quantileTau),
  def('latency_p99', 'lower', 'ms', (a) => latencySample(a, 0.99), quantileTau),
  def(
    'latency_avg',
    'lower',
    'ms',
    (a) => meanSample(a, a.latencyMoments, { c: a.units.n, s: a.units.l }),
    meanTau,
  ),
  def('tokens_per_request', 'lower', 'tokens', (a) => meanSample(a, a.tokens, pair(a, 't')), meanTau),
  def(
    'output_tokens_per_request',
    'lower',
    'tokens',
    (a) => meanSample(a, a.outputTokens, pair(a, 'o')),
    meanTau,
  ),
  def('cost_per_request', 'lower', 'cost', (a) => meanSample(a, a.cost, pair(a, 'c')), meanTau),
  def(
    'satisfaction',
    'higher',
    'rating',
    (a) => meanSample(a, a.feedback.get('feedback'), pair(a, 'f', ':feedback', true)),
    () => RATING_TAU,
  ),
  def(
    'thumbs_up_rate',
    'higher',
    'fraction',
    (a) => {
      const up = a.feedback.get('thumbs_up')?.n ?? 0;
      const upCol = a.units.columns.get('f.n:thumbs_up');
      const c = sumColumns([upCol, a.units.columns.get('f.n:thumbs_down')]);
      return rateSample(a, up + (a.feedback.get('thumbs_down')?.n ?? 0), up, { c, s: upCol, events: true });
    },
    rateTau,
  ),
  def('regeneration_rate', 'lower', 'fraction', (a) => perRequest(a, 'regenerate'), rateTau),
  def('escalation_rate', 'lower', 'fraction', (a) => perRequest(a, 'escalate'), rateTau),
  def(
    'eval_pass_rate',
    'higher',
    'fraction',
    (a) => {
      let n = 0;
      let passed = 0;
      for (const s of a.scores.values()) {
        n += s.moments.n;
        passed += s.passed;
      }
      const c = sumColumns(columnsWithPrefix(a.units, 's.n:'));
      const p = sumColumns(columnsWithPrefix(a.units, 's.p:')) ?? c?.map(() => 0);
      return rateSample(a, n, passed, { c, s: p, events: true });
    },
    rateTau,
  ),
];

/** Requests and errors per bucket. */
function spanErrors(a: ArmAggregate): Columns {
  return { c: a.units.n, s: a.units.e };
}

/** The `<p>n`/`<p>s` column pair (`tn`/`ts` tokens, `on`/`os` output tokens, `cn`/`cs` cost, `f.n:x`/`f.s:x`). */
function pair(a: ArmAggregate, p: string, suffix = '', events = false): Columns {
  const dot = suffix === '' ? '' : '.';
  const c = a.units.columns.get(`${p}${dot}n${suffix}`);
  const s = a.units.columns.get(`${p}${dot}s${suffix}`);
  return c === undefined || s === undefined ? { ...NO_COLUMNS, events } : { c, s, events };
}

const BY_NAME = new Map(BUILT_INS.map((m) => [m.name, m]));

/** Names of the built-in metrics, in display order. */
export const BUILT_IN_METRICS: readonly string[] = BUILT_INS.map((m) => m.name);

/**
 * Direction of a custom metric: as stated, else as its tolerance or limit says. Never from its name (`refund_rate`
 * reads nothing about refunds being good or bad).
 *
 * @throws Error when none of them says: the configuration is incomplete.
 */
function customDirection(config: MetricConfig): Direction {
  if (config.direction !== undefined) return config.direction;
  if (config.maxDecrease !== undefined) return 'higher';
  if (config.maxIncrease !== undefined) return 'lower';
  if (config.comparison === '>=' || config.comparison === '>') return 'higher';
  if (config.comparison === '<=' || config.comparison === '<') return 'lower';
  throw new Error(`metric ${config.name}: a custom metric needs a direction ('higher' or 'lower')`);
}

function customDefinition(config: MetricConfig): MetricDefinition {
  const direction = customDirection(config);
  const from = config.from;
  if (from === undefined) {
    // A score name (POST /scores) reads as the mean score; a custom tracking event as events per request.
    return def(
      config.name,
      direction,
      'number',
      (a) => {
        const score = a.scores.get(config.name);
        if (score !== undefined) return meanSample(a, score.moments, pair(a, 's', `:${config.name}`, true));
        return a.feedback.has(config.name) ? perRequest(a, config.name) : undefined;
      },
      (stable) => (stable.type === 'mean' && stable.mean <= 1 ? RATE_TAU : meanTau(stable)),
    );
  }
  if ('event' in from) return eventDefinition(config.name, direction, from.event, from.aggregate);
  if ('score' in from) return scorePassDefinition(config.name, direction, from.score, from.pass);
  const attr = from.attribute;
  switch (from.aggregate) {
    case 'rate':
      return def(
        config.name,
        direction,
        'fraction',
        (a) => {
          const m = a.attributes.get(attr)?.moments;
          return m === undefined ? undefined : rateSample(a, m.n, m.sum, pair(a, 'a', `:${attr}`));
        },
        rateTau,
      );
    case 'mean':
      return def(
        config.name,
        direction,
        'number',
        (a) => meanSample(a, a.attributes.get(attr)?.moments, pair(a, 'a', `:${attr}`)),
        meanTau,
      );
    case 'per_minute':
      return {
        ...def(
          config.name,
          direction,
          'number',
          (a) => {
            if (!(a.spans > 0)) return undefined;
            const events = a.attributes.get(attr)?.moments.sum ?? 0;
            return {
              type: 'mean',
              n: a.spans,
              mean: events,
              variance: events,
              designEffect: 1,
              unitShare: 0,
              units: a.units.distinctUnits(),
              clusters: CLUSTER_BUCKETS,
            };
          },
          meanTau,
        ),
        perMinute: true,
      };
    default: {
      const q = Number(from.aggregate.slice(1)) / 100;
      return def(
        config.name,
        direction,
        'number',
        (a) => {
          const agg = a.attributes.get(attr);
          const proxy = meanSample(a, agg?.moments, pair(a, 'a', `:${attr}`));
          return quantileSample(a, agg?.sketch, q, proxy);
        },
        quantileTau,
      );
    }
  }
}

/**
 * The share of a score's values that pass a mark (`>= 0.7`), read from the score's sketch: a value within 1% of
 * the mark may land on either side (whole bins count; values exactly at the mark count right). Its cluster design
 * effect is taken from the score values themselves, as for latency tails.
 */
function scorePassDefinition(
  name: string,
  direction: Direction,
  score: string,
  pass: { comparison: Comparison; value: number },
): MetricDefinition {
  return def(
    name,
    direction,
    'fraction',
    (a) => {
      const values = a.scoreValues.get(score);
      if (values === undefined || !(values.count > 0)) return undefined;
      const n = values.count;
      const mark = pass.value;
      const passed =
        pass.comparison === '>='
          ? n - values.countBelow(mark)
          : pass.comparison === '>'
            ? values.countAbove(mark)
            : pass.comparison === '<='
              ? n - values.countAbove(mark)
              : values.countBelow(mark);
      const p = Math.min(1, Math.max(0, passed / n));
      const proxy = meanSample(a, a.scores.get(score)?.moments, pair(a, 's', `:${score}`, true));
      return {
        type: 'mean',
        n,
        mean: p,
        variance: p * (1 - p),
        designEffect: proxy?.designEffect ?? 1,
        unitShare: proxy?.unitShare ?? 0,
        units: proxy?.units ?? 0,
        clusters: proxy?.clusters ?? CLUSTER_BUCKETS,
      };
    },
    rateTau,
  );
}

/** One evaluator's `eval_pass_rate` (scores ≥ 0.5 of that score name), keyed `eval_pass_rate:<evaluator>`. */
function evaluatorPassRate(evaluator: string): MetricDefinition {
  return def(
    `eval_pass_rate:${evaluator}`,
    'higher',
    'fraction',
    (a) => {
      const s = a.scores.get(evaluator);
      if (s === undefined) return undefined;
      const c = a.units.columns.get(`s.n:${evaluator}`);
      const p = a.units.columns.get(`s.p:${evaluator}`) ?? c?.map(() => 0);
      return rateSample(a, s.moments.n, s.passed, { c, s: p, events: true });
    },
    rateTau,
  );
}

/**
 * A tracking event's values: their mean or a percentile, the events per request (a count per request: Poisson
 * variance, the mean, which bounds a 0/1 count's p(1 − p), clustered by unit), or the events per assignment unit
 * of the arm (each unit its own cluster, Poisson variance).
 */
function eventDefinition(
  name: string,
  direction: Direction,
  event: string,
  aggregate: EventAggregate,
): MetricDefinition {
  const cols = (a: ArmAggregate) => pair(a, 'f', `:${event}`, true);
  switch (aggregate) {
    case 'mean':
      return def(name, direction, 'number', (a) => meanSample(a, a.feedback.get(event), cols(a)), meanTau);
    case 'per_request':
      return def(
        name,
        direction,
        'number',
        (a) => {
          if (!(a.spans > 0)) return undefined;
          const mean = (a.feedback.get(event)?.n ?? 0) / a.spans;
          const columns = { c: a.units.n, s: a.units.columns.get(`f.n:${event}`) };
          return {
            type: 'mean',
            n: a.spans,
            mean,
            variance: mean,
            ...unitInfo(a.units, columns, a.spans, mean),
          };
        },
        meanTau,
      );
    case 'per_unit':
      return def(
        name,
        direction,
        'number',
        (a) => {
          const units = a.units.distinctUnits();
          if (!(units > 0)) return undefined;
          const mean = (a.feedback.get(event)?.n ?? 0) / units;
          return {
            type: 'mean',
            n: units,
            mean,
            variance: mean,
            designEffect: 1,
            unitShare: 1,
            units,
            clusters: CLUSTER_BUCKETS,
          };
        },
        meanTau,
      );
    default: {
      const q = Number(aggregate.slice(1)) / 100;
      return def(
        name,
        direction,
        'number',
        (a) => quantileSample(a, a.eventValues.get(event), q, meanSample(a, a.feedback.get(event), cols(a))),
        quantileTau,
      );
    }
  }
}

/** The built-in metrics read per downstream service (`service:` in the metric entry, required there). */
export const DOWNSTREAM_METRICS: readonly string[] = ['downstream_error_rate', 'downstream_latency_p99'];

/** The unit side of a downstream service's sample: its own columns, and the share of its requests with a unit. */
function downstreamUnitInfo(
  a: ArmAggregate,
  service: string,
  cols: Columns,
  perRequestVariance: number,
): UnitInfo {
  const d = a.downstream.get(service);
  let clusters = 0;
  if (cols.c !== undefined) for (let b = 0; b < cols.c.length; b++) if ((cols.c[b] ?? 0) > 0) clusters++;
  const withUnit = d?.unitRequests ?? 0;
  return {
    clusters: cols.c === undefined ? CLUSTER_BUCKETS : clusters,
    designEffect: designEffect(cols.c, cols.s, perRequestVariance, cols.scale),
    unitShare: d !== undefined && d.requests > 0 ? Math.min(1, withUnit / d.requests) : 0,
    // The units reached downstream are (about) the app's: the app's estimate, once any request was joined to one.
    units: withUnit > 0 ? a.units.distinctUnits() : 0,
  };
}

/** `downstream_error_rate:<service>`: the share of the service's requests (spans by baggage) with status ERROR. */
function downstreamErrorRate(service: string): MetricDefinition {
  return def(
    `downstream_error_rate:${service}`,
    'lower',
    'fraction',
    (a) => {
      const d = a.downstream.get(service);
      if (d === undefined || !(d.requests > 0)) return undefined;
      const p = Math.min(1, Math.max(0, d.errors / d.requests));
      const variance = p * (1 - p);
      const c = a.units.columns.get(`d.n:${service}`);
      const cols = { c, s: a.units.columns.get(`d.e:${service}`) ?? c?.map(() => 0) };
      return {
        type: 'mean',
        n: d.requests,
        mean: p,
        variance,
        ...downstreamUnitInfo(a, service, cols, variance),
      };
    },
    rateTau,
  );
}

/**
 * `downstream_latency_p99:<service>`: the service's p99 request latency, compared like `latency_p99` (the
 * exceedance rate and the mean of log-latency).
 */
function downstreamLatency(service: string, q: number): MetricDefinition {
  return def(
    `downstream_latency_p${Math.round(q * 100)}:${service}`,
    'lower',
    'ms',
    (a) => {
      const d = a.downstream.get(service);
      const value = d?.latency.quantile(q);
      if (d === undefined || value === undefined) return undefined;
      let log: MeanSample | undefined;
      if (d.logLatency.n > 0) {
        const variance = momentsVariance(d.logLatency);
        const cols = {
          c: a.units.columns.get(`d.n:${service}`),
          s: a.units.columns.get(`d.g:${service}`),
          scale: LOG_LATENCY_SCALE,
        };
        log = {
          type: 'mean',
          n: d.logLatency.n,
          mean: momentsMean(d.logLatency) ?? 0,
          variance,
          ...downstreamUnitInfo(a, service, cols, variance),
        };
      }
      const sample: QuantileSample = {
        type: 'quantile',
        n: d.latency.count,
        q,
        value,
        sketch: d.latency,
        designEffect: log?.designEffect ?? 1,
        clusters: log?.clusters ?? CLUSTER_BUCKETS,
        unitShare: log?.unitShare ?? 0,
        units: log?.units ?? 0,
      };
      if (log !== undefined) sample.log = log;
      return sample;
    },
    quantileTau,
  );
}

/**
 * The metric config behind a downstream metric's key (`downstream_error_rate:billing-parser` →
 * `{name: 'downstream_error_rate', service: 'billing-parser'}`); `undefined` for any other key.
 */
export function downstreamConfigOfKey(key: string): MetricConfig | undefined {
  const colon = key.indexOf(':');
  if (colon < 0) return undefined;
  const name = key.slice(0, colon);
  const service = key.slice(colon + 1);
  return DOWNSTREAM_METRICS.includes(name) && service !== '' ? { name, service } : undefined;
}

/**
 * The downstream metrics an arm has data for, one per service and metric, keyed `downstream_error_rate:<service>`
 * (what `arms.*.metrics` shows without configuration).
 */
export function downstreamMetricsOf(agg: ArmAggregate): MetricDefinition[] {
  const out: MetricDefinition[] = [];
  for (const service of agg.downstream.keys()) {
    out.push(downstreamErrorRate(service), downstreamLatency(service, 0.99));
  }
  return out;
}

/**
 * The definition of a configured metric: a built-in by name, a downstream one (`service:`), or a custom one
 * (`from: {attribute, aggregate}`, a score name, or a tracking-event name).
 *
 * @throws Error when `service` is missing on a downstream metric or given on another.
 */
export function resolveMetric(config: MetricConfig): MetricDefinition {
  if (DOWNSTREAM_METRICS.includes(config.name) && config.from === undefined) {
    if (config.service === undefined || config.service === '') {
      throw new Error(`metric ${config.name}: needs the downstream service (service: <service.name>)`);
    }
    return config.name === 'downstream_error_rate'
      ? downstreamErrorRate(config.service)
      : downstreamLatency(config.service, 0.99);
  }
  if (config.service !== undefined) {
    throw new Error(
      `metric ${config.name}: service applies to downstream_error_rate and downstream_latency_p99 only`,
    );
  }
  if (config.evaluator !== undefined) {
    if (config.name !== 'eval_pass_rate') {
      throw new Error(`metric ${config.name}: evaluator applies to eval_pass_rate only`);
    }
    return evaluatorPassRate(config.evaluator);
  }
  if (config.from === undefined) {
    const builtIn = BY_NAME.get(config.name);
    if (builtIn !== undefined) return builtIn;
  }
  return customDefinition(config);
}

/** The point value of a sample: the mean (or rate) or the quantile. */
export function sampleValue(sample: MetricSample): number {
  return sample.type === 'mean' ? sample.mean : sample.value;
}
