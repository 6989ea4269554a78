import { TelemetryAttributes } from '@prompt-canary/rules';
import type { DownstreamObservation, SpanObservation } from './observation.js';

/** Price per 1,000 tokens for one model. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** Price table: `gen_ai.request.model` → price per 1,000 tokens. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** The span-level facts the OTLP decoder already has. */
export interface SpanTiming {
  endTimeMs: number;
  durationMs: number;
  /** Span status code is ERROR. */
  error: boolean;
  /**
   * The resource's `service.name`, for a caller that keeps resource attributes apart from the span's; default the
   * `service.name` in the attribute map. Read only on downstream spans.
   */
  service?: string;
}

/** Options of {@link extractSpanObservation}. */
export interface ExtractOptions {
  /** Attribute names that configured custom metrics read (`from.attribute`). */
  metricAttributes?: readonly string[];
  /** Price table for `cost_per_request`. */
  costs?: PriceTable;
  /** Attribute holding a request's cost; takes precedence over the price table. Default `gen_ai.usage.cost`. */
  costAttribute?: string;
}

const FLAG_KEY = TelemetryAttributes.FLAG_KEY;
const VARIANT = TelemetryAttributes.FLAG_VARIANT;
/** Older semantic-convention name, still written by some providers. */
const VARIANT_LEGACY = TelemetryAttributes.FLAG_VARIANT_LEGACY;
const REASON = TelemetryAttributes.FLAG_REASON;
/**
 * The span attribute naming the assignment unit (the split's bucketing key, usually hashed by the provider):
 * `feature_flag.context.id` in the OpenTelemetry feature-flag conventions.
 */
export const UNIT_ATTRIBUTE = TelemetryAttributes.FLAG_CONTEXT_ID;
const INPUT_TOKENS = TelemetryAttributes.GEN_AI_INPUT_TOKENS;
const OUTPUT_TOKENS = TelemetryAttributes.GEN_AI_OUTPUT_TOKENS;
const MODEL = TelemetryAttributes.GEN_AI_REQUEST_MODEL;
const DEFAULT_COST_ATTRIBUTE = TelemetryAttributes.GEN_AI_COST;
const DOWNSTREAM = TelemetryAttributes.DOWNSTREAM;
const INHERITED = TelemetryAttributes.FLAG_INHERITED;
const SERVICE_NAME = 'service.name';
/** A downstream span without a `service.name` counts under this name (the OpenTelemetry SDKs' own default). */
export const UNKNOWN_SERVICE = 'unknown_service';
/** Longer service names are cut to this many characters: they become part of metric keys. */
export const MAX_SERVICE_NAME_LENGTH = 200;

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function serviceName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') return UNKNOWN_SERVICE;
  return value.length > MAX_SERVICE_NAME_LENGTH ? value.slice(0, MAX_SERVICE_NAME_LENGTH) : value;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function asMetricValue(value: unknown): number | boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return asNumber(value);
}

/**
 * Whether a `feature_flag.result.reason` marks a split assignment: `SPLIT` in any case, or no reason at all.
 */
export function isSplitReason(reason: string | undefined): boolean {
  return reason === undefined || reason === '' || reason.toLowerCase() === 'split';
}

/**
 * Builds a {@link SpanObservation} from a span's flat attribute map (the span's own attributes, merged with those
 * of its `feature_flag.evaluation` event when the assignment came as an event). Returns `undefined` when the span
 * carries no flag key or variant. The unit comes from {@link UNIT_ATTRIBUTE} (a string or number). Only the
 * named attributes are read; prompt and completion contents never are.
 *
 * A span marked `promptcanary.downstream: true` (a downstream service's span that got the assignment by baggage)
 * comes back with `downstreamService` set (its `service.name`) and without usage, cost or custom attributes: it is
 * no request of the app, and {@link downstreamObservationOf} gives what it counts for.
 *
 * @example
 * ```ts
 * const obs = extractSpanObservation(
 *   { 'feature_flag.key': 'support-prompts', 'feature_flag.result.variant': '2.4.0', 'gen_ai.usage.input_tokens': 812 },
 *   { endTimeMs: 1_700_000_000_000, durationMs: 1_240, error: false },
 * );
 * ```
 */
export function extractSpanObservation(
  attributes: Readonly<Record<string, unknown>>,
  span: SpanTiming,
  options: ExtractOptions = {},
): SpanObservation | undefined {
  const flagKey = attributes[FLAG_KEY];
  const variantRaw = attributes[VARIANT] ?? attributes[VARIANT_LEGACY];
  if (typeof flagKey !== 'string' || flagKey === '') return undefined;
  if (variantRaw === undefined || variantRaw === null || variantRaw === '') return undefined;
  const variant = String(variantRaw);
  const reasonRaw = attributes[REASON];
  const reason = typeof reasonRaw === 'string' && reasonRaw !== '' ? reasonRaw : undefined;

  const obs: SpanObservation = {
    flagKey,
    variant,
    splitAssigned: isSplitReason(reason),
    endTimeMs: span.endTimeMs,
    durationMs: span.durationMs,
    error: span.error,
    attributes: {},
  };
  if (reason !== undefined) obs.reason = reason;
  const unit = attributes[UNIT_ATTRIBUTE];
  if (typeof unit === 'string' ? unit !== '' : typeof unit === 'number' || typeof unit === 'bigint') {
    obs.unit = String(unit);
  }
  if (isTrue(attributes[INHERITED])) obs.inherited = true;
  if (isTrue(attributes[DOWNSTREAM])) {
    obs.downstreamService = serviceName(span.service ?? attributes[SERVICE_NAME]);
    return obs;
  }
  const inputTokens = asNumber(attributes[INPUT_TOKENS]);
  const outputTokens = asNumber(attributes[OUTPUT_TOKENS]);
  const model = attributes[MODEL];
  if (inputTokens !== undefined) obs.inputTokens = inputTokens;
  if (outputTokens !== undefined) obs.outputTokens = outputTokens;
  if (typeof model === 'string' && model !== '') obs.model = model;

  const cost = asNumber(attributes[options.costAttribute ?? DEFAULT_COST_ATTRIBUTE]);
  if (cost !== undefined) {
    obs.cost = cost;
  } else if (obs.model !== undefined && options.costs !== undefined) {
    const price = Object.hasOwn(options.costs, obs.model) ? options.costs[obs.model] : undefined;
    if (price !== undefined && (inputTokens !== undefined || outputTokens !== undefined)) {
      obs.cost = ((inputTokens ?? 0) * price.input + (outputTokens ?? 0) * price.output) / 1000;
    }
  }

  for (const name of options.metricAttributes ?? []) {
    const value = asMetricValue(attributes[name]);
    if (value !== undefined) obs.attributes[name] = value;
  }
  return obs;
}

/**
 * The downstream request a span stands for: `undefined` for the app's own spans and for a downstream span's local
 * children (`feature_flag.inherited`), which are part of the downstream request already counted. `unit` (from a
 * trace join, when the caller has one) overrides the span's own.
 */
export function downstreamObservationOf(
  obs: SpanObservation,
  unit?: string,
): DownstreamObservation | undefined {
  if (obs.downstreamService === undefined || obs.inherited === true) return undefined;
  const out: DownstreamObservation = {
    service: obs.downstreamService,
    error: obs.error,
    durationMs: obs.durationMs,
  };
  const u = unit ?? obs.unit;
  if (u !== undefined) out.unit = u;
  return out;
}
