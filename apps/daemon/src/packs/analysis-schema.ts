/**
 * Schema of `spec.rollout.analysis`: check cadence, gates and metrics, with units resolved and defaults applied.
 */
import {
  BUILT_IN_METRICS,
  DOWNSTREAM_METRICS,
  MAX_SERVICE_NAME_LENGTH,
  type MetricDefinition,
  metricKey,
  resolveMetric,
} from '@prompt-canary/analysis';
import { z } from 'zod';
import { type Parsed, parseDuration, parseLatency, parseRate, parseTolerance } from './pack-units.js';
import type {
  AnalysisSpec,
  Comparison,
  EvaluationSpec,
  EventAggregate,
  MetricAggregate,
  MetricDirection,
  MetricSource,
  MetricSpec,
  ThresholdUnit,
} from './prompt-pack.js';

/**
 * A field written in one of the pack's units: present (or defaulted by the caller), then parsed by `parse`, whose
 * problem becomes the issue's message at the field's path.
 */
export function unitField<T>(parse: (input: unknown) => Parsed<T>) {
  return z
    .custom<unknown>((value) => value !== undefined, { error: 'is required' })
    .transform((value, ctx) => {
      const parsed = parse(value);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.value;
    });
}

const RATE_METRICS = new Set(['success_rate', 'error_rate']);

/** The built-in metric a pack's entry names (no `from`), from the analysis package's catalogue. */
function builtInOf(name: string, hasSource: boolean): MetricDefinition | undefined {
  if (hasSource) return undefined;
  // A downstream metric's unit and direction are the same for every service.
  if (DOWNSTREAM_METRICS.includes(name)) return resolveMetric({ name, service: 'any' });
  return BUILT_IN_METRICS.includes(name) ? resolveMetric({ name }) : undefined;
}

/** A `service.name` as a downstream metric names it: no leading or trailing space, no control characters. */
const SERVICE_PATTERN = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;

function thresholdUnitOf(name: string, source: MetricSource | undefined, rate: boolean): ThresholdUnit {
  if (rate || RATE_METRICS.has(name)) return 'fraction';
  if (source !== undefined && 'event' in source) return 'number';
  if (source === undefined && name.endsWith('_rate')) return 'fraction';
  if (name.startsWith('latency_') || name.includes('latency')) return 'ms';
  return 'number';
}

/** Whether a metric's values are a rate (a fraction 0..1), which is what `pt` tolerances apply to. */
function isRateMetric(name: string, source: MetricSource | undefined, builtIn: MetricDefinition | undefined) {
  if (builtIn !== undefined) return builtIn.isRate;
  if (source === undefined) return name.endsWith('_rate');
  if ('score' in source) return true;
  return 'attribute' in source && source.aggregate === 'rate';
}

function parseNumber(input: unknown): Parsed<number> {
  if (typeof input === 'number' && Number.isFinite(input)) return { ok: true, value: input };
  if (typeof input === 'string' && /^-?\d+(?:\.\d+)?$/.test(input.trim()))
    return { ok: true, value: Number(input) };
  return { ok: false, problem: `expected a number, got ${JSON.stringify(input)}` };
}

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

const ATTRIBUTE_AGGREGATES = ['rate', 'mean', 'p50', 'p95', 'p99', 'per_minute'] as const;
const EVENT_AGGREGATES = ['mean', 'p50', 'p95', 'p99', 'per_request', 'per_unit'] as const;

/**
 * `from`: a span attribute (`{attribute, aggregate}`) or a tracking event's values (`{event, aggregate}`), exactly
 * one, with the aggregations that source allows.
 */
const PASS_PATTERN = /^(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)$/;

const sourceSchema = z
  .strictObject({
    attribute: z.string().min(1, { error: 'the span attribute to aggregate' }).optional(),
    event: z.string().min(1, { error: 'the tracking event whose values to aggregate' }).optional(),
    score: z.string().min(1, { error: 'the score (evaluator) name' }).optional(),
    aggregate: z
      .string({ error: 'aggregate is a word such as mean or p95' })
      .describe(`attribute: ${ATTRIBUTE_AGGREGATES.join(' | ')}; event: ${EVENT_AGGREGATES.join(' | ')}`)
      .optional(),
    pass: z
      .string({ error: 'pass is a mark such as ">= 0.7"' })
      .describe('score only: the pass mark, e.g. ">= 0.7"; the metric is the rate of passing scores')
      .optional(),
  })
  .transform((from, ctx): MetricSource => {
    const fail = (message: string, path: string[] = []) => {
      ctx.addIssue({ code: 'custom', path, message });
      return z.NEVER;
    };
    const sources = [from.attribute, from.event, from.score].filter((x) => x !== undefined);
    if (sources.length !== 1) {
      return fail('from names one source: attribute (a span attribute), event (a tracking event) or score');
    }
    if (from.score !== undefined) {
      const mark = from.pass === undefined ? null : PASS_PATTERN.exec(from.pass.trim());
      if (from.aggregate !== undefined || mark === null) {
        const path = [from.aggregate !== undefined ? 'aggregate' : 'pass'];
        return fail('a score source takes a pass mark such as pass: ">= 0.7" (and no aggregate)', path);
      }
      return { score: from.score, pass: { comparison: mark[1] as Comparison, value: Number(mark[2]) } };
    }
    if (from.pass !== undefined) return fail('pass applies to a score source only', ['pass']);
    const allowed: readonly string[] = from.attribute !== undefined ? ATTRIBUTE_AGGREGATES : EVENT_AGGREGATES;
    if (from.aggregate === undefined || !allowed.includes(from.aggregate)) {
      const what = from.attribute !== undefined ? 'an attribute' : 'an event';
      return fail(`aggregate of ${what} is one of ${allowed.join(', ')}`, ['aggregate']);
    }
    if (from.attribute !== undefined) {
      return { attribute: from.attribute, aggregate: from.aggregate as MetricAggregate };
    }
    return { event: from.event as string, aggregate: from.aggregate as EventAggregate };
  });

const HIGHER_OK = new Set<Comparison>(['>=', '>']);

const metricSchema = z
  .strictObject({
    name: z.string({ error: 'a metric needs a name' }).regex(NAME_PATTERN, {
      error: 'a metric name is letters, digits, "_", ".", ":" or "-", starting with a letter or "_"',
    }),
    evaluator: z
      .string({ error: 'evaluator is the score name posted to /api/v1/scores' })
      .regex(NAME_PATTERN, { error: 'an evaluator is letters, digits, "_", ".", ":" or "-"' })
      .describe("eval_pass_rate only: one evaluator's series, reported as eval_pass_rate:<evaluator>")
      .optional(),
    service: z
      .string({ error: "service is the downstream service's service.name" })
      .max(MAX_SERVICE_NAME_LENGTH, {
        error: `a service name is at most ${MAX_SERVICE_NAME_LENGTH} characters`,
      })
      .regex(SERVICE_PATTERN, { error: 'a service name has no control characters and no surrounding spaces' })
      .describe(
        'downstream_error_rate / downstream_latency_p99 only (required there): the service.name of the downstream service, reported as downstream_error_rate:<service>',
      )
      .optional(),
    direction: z
      .enum(['higher', 'lower'], { error: 'direction is higher or lower' })
      .describe('Which way is better; required for custom metrics, fixed for built-ins')
      .optional(),
    threshold: z.custom<unknown>((value) => value !== undefined).optional(),
    comparison: z
      .enum(['>=', '<=', '>', '<'], { error: 'comparison is one of ">=", "<=", ">", "<"' })
      .optional(),
    maxIncrease: unitField(parseTolerance)
      .describe(
        'Tolerated rise against stable: "50%" relative to stable, "2pt" absolute points of a rate, or a bare number in the metric\'s own unit (ms, tokens; a fraction for rates)',
      )
      .optional(),
    maxDecrease: unitField(parseTolerance)
      .describe(
        'Tolerated fall against stable: "20%" relative to stable, "2pt" absolute points of a rate, or a bare number in the metric\'s own unit (a fraction for rates)',
      )
      .optional(),
    from: sourceSchema.optional(),
    for: unitField(parseDuration)
      .describe('The failure must hold at every look this long before it counts (e.g. 5m)')
      .optional(),
    failureThreshold: z
      .int({ error: 'failureThreshold is a whole number' })
      .min(1)
      .describe("Consecutive failed looks before acting; overrides the analysis' failureThreshold")
      .optional(),
    onFail: z
      .enum(['rollback', 'pause', 'notify'], { error: 'onFail is rollback, pause or notify' })
      .describe(
        'rollback (default), pause, or notify: record the failure, send rollout.metric_notify, keep going',
      )
      .default('rollback'),
    compare: z.boolean({ error: 'compare is true or false' }).optional(),
  })
  .transform((metric, ctx): MetricSpec => {
    const {
      threshold: rawThreshold,
      comparison,
      direction: stated,
      maxIncrease,
      maxDecrease,
      for: forMs,
      compare,
      ...rest
    } = metric;
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const builtIn = builtInOf(metric.name, metric.from !== undefined);
    if (metric.evaluator !== undefined && metric.name !== 'eval_pass_rate') {
      issue('evaluator', 'evaluator applies to eval_pass_rate (one entry per evaluator)');
    }
    const downstream = metric.from === undefined && DOWNSTREAM_METRICS.includes(metric.name);
    if (downstream && metric.service === undefined) {
      issue(
        'service',
        `${metric.name} reads one downstream service: name it with service: <its service.name> (one entry per service)`,
      );
    } else if (!downstream && metric.service !== undefined) {
      issue('service', 'service applies to downstream_error_rate and downstream_latency_p99 (without from)');
    }
    let direction: MetricDirection;
    if (builtIn !== undefined) {
      direction = builtIn.direction;
      if (stated !== undefined && stated !== direction) {
        issue(
          'direction',
          `${metric.name} is ${direction}-is-better by definition: leave direction out or write ${direction}`,
        );
      }
    } else if (stated === undefined) {
      issue(
        'direction',
        `a custom metric states which way is better: direction: higher or direction: lower (${metric.name} is not built in)`,
      );
      return z.NEVER;
    } else direction = stated;

    // A count over time grows with the canary's weight: hard limits only, never a comparison with stable.
    const perMinute =
      metric.from !== undefined && 'aggregate' in metric.from && metric.from.aggregate === 'per_minute';
    if (perMinute) {
      const only = 'per_minute counts grow with the canary weight: they take a hard limit (threshold) only';
      if (compare === true) issue('compare', only);
      if (maxIncrease !== undefined) issue('maxIncrease', only);
      if (maxDecrease !== undefined) issue('maxDecrease', only);
      if (rawThreshold === undefined) issue('threshold', `${only}; none is set`);
    }
    const out: { -readonly [K in keyof MetricSpec]: MetricSpec[K] } = {
      ...rest,
      direction,
      compare: compare ?? !perMinute,
    };
    if (forMs !== undefined) out.forMs = forMs;

    const rate = isRateMetric(metric.name, metric.from, builtIn);
    if (maxIncrease !== undefined && maxDecrease !== undefined) {
      issue('maxDecrease', 'give maxIncrease or maxDecrease, not both');
    }
    const tolerance = maxIncrease ?? maxDecrease;
    if (tolerance !== undefined) {
      const field = maxIncrease !== undefined ? 'maxIncrease' : 'maxDecrease';
      const harmful: MetricDirection = maxIncrease !== undefined ? 'lower' : 'higher';
      if (harmful !== direction) {
        issue(
          field,
          `${field} bounds a ${field === 'maxIncrease' ? 'rise' : 'fall'}, but ${metric.name} is ${direction}-is-better: use ${field === 'maxIncrease' ? 'maxDecrease' : 'maxIncrease'}`,
        );
      }
      if (tolerance.unit === 'points' && !rate) {
        issue(field, `points ("pt") apply to rates; ${metric.name} is not a rate: write a relative "20%"`);
      }
      if (tolerance.unit === 'absolute' && rate && tolerance.value > 1) {
        issue(
          field,
          `a bare number on a rate is a fraction (0–1): write ${tolerance.value}pt or ${tolerance.value}%`,
        );
      }
      out[field] = tolerance.value;
      // On a rate an amount in its own unit (a fraction) is points: one spelling is stored for one meaning.
      out.toleranceUnit = tolerance.unit === 'absolute' && rate ? 'points' : tolerance.unit;
    }

    if (rawThreshold === undefined) {
      if (comparison !== undefined) issue('comparison', 'comparison applies to a threshold; none is set');
      return out;
    }
    const unit: ThresholdUnit =
      builtIn !== undefined
        ? builtIn.unit === 'fraction'
          ? 'fraction'
          : builtIn.unit === 'ms'
            ? 'ms'
            : 'number'
        : thresholdUnitOf(metric.name, metric.from, rate);
    const parse = unit === 'fraction' ? parseRate : unit === 'ms' ? parseLatency : parseNumber;
    const parsed = parse(rawThreshold);
    if (!parsed.ok) {
      issue('threshold', parsed.problem);
      return z.NEVER;
    }
    const defaultComparison: Comparison = direction === 'higher' ? '>=' : '<=';
    if (comparison !== undefined && HIGHER_OK.has(comparison) !== (direction === 'higher')) {
      issue(
        'comparison',
        `comparison "${comparison}" reads ${metric.name} backwards: it is ${direction}-is-better, so its limit is "${defaultComparison}"`,
      );
    }
    return {
      ...out,
      threshold: parsed.value,
      thresholdUnit: unit,
      comparison: comparison ?? defaultComparison,
    };
  });

/** `analysis.evaluation`: the sampling hook (every 15m, 50 per arm, 10m to answer by default). */
const evaluationSchema = z
  .strictObject({
    every: unitField(parseDuration).default(900_000),
    sample: z.int({ error: 'sample is a whole number' }).min(1).max(1000).default(50),
    hook: z.strictObject(
      {
        url: z.url({ protocol: /^https?$/, error: 'hook.url is an http(s) URL' }),
        secret: z
          .string({ error: 'hook.secret signs the requests' })
          .min(1, { error: 'hook.secret is empty' }),
      },
      { error: 'hook is {url, secret}' },
    ),
    timeout: unitField(parseDuration).default(600_000),
  })
  .superRefine((evaluation, ctx) => {
    if (evaluation.every <= 0)
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'every must be positive' });
    if (evaluation.timeout <= 0)
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'timeout must be positive' });
  })
  .transform(
    ({ every, timeout, sample, hook }): EvaluationSpec => ({
      everyMs: every,
      sample,
      hook,
      timeoutMs: timeout,
    }),
  );

const priceSchema = z.number({ error: 'a price per 1k tokens is a number' }).nonnegative();

/** `spec.rollout.analysis` with defaults: interval 1m, failureThreshold 2, minSamples 100, maxInconclusive 30m. */
export const analysisSchema = z
  .strictObject({
    interval: unitField(parseDuration).default(60_000),
    failureThreshold: z.int({ error: 'failureThreshold is a whole number' }).min(1).default(2),
    minSamples: z.int({ error: 'minSamples is a whole number' }).min(1).default(100),
    maxInconclusive: unitField(parseDuration).default(1_800_000),
    startAfter: unitField(parseDuration)
      .describe('Observe only until this long after the start: checks shown, no step, pause or rollback')
      .optional(),
    dryRun: z
      .boolean({ error: 'dryRun is true or false' })
      .describe('Step on schedule as if every check passed; record what the checks would have done')
      .optional(),
    metrics: z.array(metricSchema).default([]),
    costs: z.record(z.string(), z.strictObject({ input: priceSchema, output: priceSchema })).default({}),
    evaluation: evaluationSchema
      .describe(
        'Evals on sampled live traffic: trace ids sent to a signed hook, scores posted back by batchId',
      )
      .optional(),
  })
  .superRefine((analysis, ctx) => {
    if (analysis.interval <= 0)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'interval must be positive' });
    const seen = new Set<string>();
    analysis.metrics.forEach((metric, index) => {
      const key = metricKey(metric);
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [
            'metrics',
            index,
            metric.evaluator !== undefined ? 'evaluator' : metric.service !== undefined ? 'service' : 'name',
          ],
          message: `metric "${key}" is listed twice`,
        });
      }
      seen.add(key);
    });
  })
  .transform(({ interval, maxInconclusive, startAfter, dryRun, evaluation, ...rest }): AnalysisSpec => {
    // Written only when given, so packs stored before these fields compare equal to the same pack re-applied.
    const out: AnalysisSpec = { ...rest, intervalMs: interval, maxInconclusiveMs: maxInconclusive };
    return {
      ...out,
      ...(startAfter === undefined ? {} : { startAfterMs: startAfter }),
      ...(dryRun === undefined ? {} : { dryRun }),
      ...(evaluation === undefined ? {} : { evaluation }),
    };
  });
