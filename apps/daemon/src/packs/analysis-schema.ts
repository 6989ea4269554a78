/**
 * Schema of `spec.rollout.analysis`: check cadence, gates and metrics, with units resolved and defaults applied.
 */
import { z } from 'zod';
import { type Parsed, parseDuration, parseLatency, parseRate, parseRelative } from './pack-units.js';
import type { AnalysisSpec, Comparison, MetricSpec, ThresholdUnit } from './prompt-pack.js';

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
/** Built-in metrics where a larger canary value is the better one: their default comparison is `>=`. */
const HIGHER_IS_BETTER = new Set(['success_rate', 'feedback', 'thumbs_up']);

function thresholdUnitOf(name: string, aggregate: string | undefined): ThresholdUnit {
  if (RATE_METRICS.has(name) || aggregate === 'rate' || name.endsWith('_rate')) return 'fraction';
  if (name.startsWith('latency_') || name.includes('latency')) return 'ms';
  return 'number';
}

function parseNumber(input: unknown): Parsed<number> {
  if (typeof input === 'number' && Number.isFinite(input)) return { ok: true, value: input };
  if (typeof input === 'string' && /^-?\d+(?:\.\d+)?$/.test(input.trim()))
    return { ok: true, value: Number(input) };
  return { ok: false, problem: `expected a number, got ${JSON.stringify(input)}` };
}

const metricSchema = z
  .strictObject({
    name: z.string({ error: 'a metric needs a name' }).regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, {
      error: 'a metric name is letters, digits, "_", ".", ":" or "-", starting with a letter or "_"',
    }),
    threshold: z.custom<unknown>((value) => value !== undefined).optional(),
    comparison: z
      .enum(['>=', '<=', '>', '<'], { error: 'comparison is one of ">=", "<=", ">", "<"' })
      .optional(),
    maxIncrease: unitField(parseRelative).optional(),
    maxDecrease: unitField(parseRelative).optional(),
    from: z
      .strictObject({
        attribute: z.string().min(1, { error: 'the attribute to aggregate' }),
        aggregate: z.enum(['rate', 'mean', 'p50', 'p95', 'p99'], {
          error: 'aggregate is one of rate, mean, p50, p95, p99',
        }),
      })
      .optional(),
    onFail: z.enum(['rollback', 'pause'], { error: 'onFail is rollback or pause' }).default('rollback'),
    compare: z.boolean({ error: 'compare is true or false' }).default(true),
  })
  .transform((metric, ctx): MetricSpec => {
    const { threshold: rawThreshold, comparison, ...rest } = metric;
    if (rawThreshold === undefined) {
      if (comparison !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['comparison'],
          message: 'comparison applies to a threshold; none is set',
        });
      }
      return rest;
    }
    const unit = thresholdUnitOf(metric.name, metric.from?.aggregate);
    const parse = unit === 'fraction' ? parseRate : unit === 'ms' ? parseLatency : parseNumber;
    const parsed = parse(rawThreshold);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', path: ['threshold'], message: parsed.problem });
      return z.NEVER;
    }
    const defaultComparison: Comparison =
      HIGHER_IS_BETTER.has(metric.name) || metric.from?.aggregate === 'rate' ? '>=' : '<=';
    return {
      ...rest,
      threshold: parsed.value,
      thresholdUnit: unit,
      comparison: comparison ?? defaultComparison,
    };
  });

const priceSchema = z.number({ error: 'a price per 1k tokens is a number' }).nonnegative();

/** `spec.rollout.analysis` with defaults: interval 1m, failureThreshold 2, minSamples 100, maxInconclusive 30m. */
export const analysisSchema = z
  .strictObject({
    interval: unitField(parseDuration).default(60_000),
    failureThreshold: z.int({ error: 'failureThreshold is a whole number' }).min(1).default(2),
    minSamples: z.int({ error: 'minSamples is a whole number' }).min(1).default(100),
    maxInconclusive: unitField(parseDuration).default(1_800_000),
    metrics: z.array(metricSchema).default([]),
    costs: z.record(z.string(), z.strictObject({ input: priceSchema, output: priceSchema })).default({}),
  })
  .superRefine((analysis, ctx) => {
    if (analysis.interval <= 0)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'interval must be positive' });
    const seen = new Set<string>();
    analysis.metrics.forEach((metric, index) => {
      if (seen.has(metric.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', index, 'name'],
          message: `metric "${metric.name}" is listed twice`,
        });
      }
      seen.add(metric.name);
    });
  })
  .transform(
    ({ interval, maxInconclusive, ...rest }): AnalysisSpec => ({
      ...rest,
      intervalMs: interval,
      maxInconclusiveMs: maxInconclusive,
    }),
  );
