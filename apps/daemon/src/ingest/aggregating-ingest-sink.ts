import {
  type ArmAggregate,
  addToMoments,
  emptyMoments,
  extractSpanObservation,
  QuantileSketch,
  type SpanObservation,
} from '@prompt-canary/analysis';
import { TelemetryAttributes } from '@prompt-canary/rules';
import type { Attributes, IngestSink, OtlpMetricPoint, OtlpSpan } from '../otlp/ingest-sink.js';
import { effectiveWeight } from '../rollouts/effective-weight.js';
import type { AnalysisIngestCounters, AnalysisOutcome } from './analysis-ingest-counters.js';
import { armOf, type LiveRolloutEntry, type LiveRolloutIndex } from './live-rollout-index.js';
import { addMetricPoint } from './metric-point-contribution.js';
import { SliceBatch } from './slice-batch.js';
import { type Arm, type SliceScope, scopeOfReason, type TelemetrySource } from './slice-key.js';
import type { SliceStore } from './slice-store.js';
import type { TraceStore } from './trace-index.js';

const FLAG_KEY = TelemetryAttributes.FLAG_KEY;
const VARIANT = TelemetryAttributes.FLAG_VARIANT;
const VARIANT_LEGACY = TelemetryAttributes.FLAG_VARIANT_LEGACY;
const REASON = TelemetryAttributes.FLAG_REASON;
/** Set by the provider's span processor on the assignment it copies from a parent onto a child span. */
export const INHERITED = TelemetryAttributes.FLAG_INHERITED;

/** What {@link AggregatingIngestSink} works with. */
export interface AggregatingIngestSinkDeps {
  index: LiveRolloutIndex;
  slices: SliceStore;
  traces: TraceStore;
  /** Aggregate slice length in real ms. */
  sliceMs: number;
  counters?: AnalysisIngestCounters;
}

/** One trace's usage within one export request, summed into one per-request sample. */
interface UsageGroup {
  rolloutId: string;
  arm: Arm;
  scope: SliceScope;
  endMs: number;
  /** The trace's unit (every span of a trace comes from one unit), when a span carried it. */
  unit: string | undefined;
  tokens: number | undefined;
  outputTokens: number | undefined;
  cost: number | undefined;
}

type Tally = Partial<Record<AnalysisOutcome, number>>;

function bump(tally: Tally, outcome: AnalysisOutcome): void {
  tally[outcome] = (tally[outcome] ?? 0) + 1;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function addAttributes(agg: ArmAggregate, attributes: SpanObservation['attributes']): void {
  for (const name in attributes) {
    const value = attributes[name];
    if (value === undefined) continue;
    let a = agg.attributes.get(name);
    if (a === undefined) {
      a = { moments: emptyMoments() };
      agg.attributes.set(name, a);
    }
    if (typeof value === 'boolean') {
      addToMoments(a.moments, value ? 1 : 0);
    } else {
      addToMoments(a.moments, value);
      a.sketch ??= new QuantileSketch();
      a.sketch.add(value);
    }
  }
}

/**
 * The analyzer's {@link IngestSink}: credits each flag-bearing span (or span-metrics point) to the live rollout of
 * the pack named by `feature_flag.key`, to the arm of its variant, to its scope (split, targeting, other) and to
 * the time slice of its end, then merges the request's partial aggregates into the stored slices in one SQLite
 * transaction before returning, so the OTLP route acknowledges only what is durable.
 *
 * The counting rule, so that one request counts once although the provider copies its assignment onto child spans
 * (those copies carry `feature_flag.inherited: true`):
 * - request facts (the request count, errors, latency) come only from spans whose assignment is not inherited;
 * - usage (input + output tokens, output tokens, cost) of every flag-bearing span of a trace within one export
 *   request, inherited or not, is summed into one per-request sample (a trace whose spans are split across
 *   export requests yields one sample per request it arrived in);
 * - custom metric attributes are one sample per span that carries them, inherited or not.
 */
export class AggregatingIngestSink implements IngestSink {
  readonly #deps: AggregatingIngestSinkDeps;

  constructor(deps: AggregatingIngestSinkDeps) {
    this.#deps = deps;
  }

  acceptSpans(spans: readonly OtlpSpan[]): void {
    const batch = new SliceBatch(this.#deps.sliceMs);
    const usage = new Map<string, UsageGroup>();
    const tally: Tally = {};
    const traces: Array<[string, LiveRolloutEntry, Arm, SliceScope, boolean, string | undefined]> = [];
    for (const span of spans) {
      const events = span.flagEvaluations;
      if (events.length === 0) {
        this.#evaluation(span, span.attributes, batch, usage, tally, traces);
        continue;
      }
      let spanKeyCovered = false;
      for (const event of events) {
        if (event[FLAG_KEY] === span.attributes[FLAG_KEY]) spanKeyCovered = true;
        this.#evaluation(span, { ...span.attributes, ...event }, batch, usage, tally, traces);
      }
      if (!spanKeyCovered && typeof span.attributes[FLAG_KEY] === 'string') {
        this.#evaluation(span, span.attributes, batch, usage, tally, traces);
      }
    }
    for (const group of usage.values()) {
      const agg = batch.at(group.rolloutId, group.arm, group.scope, group.endMs);
      agg.addUsage({
        ...(group.unit === undefined ? {} : { unit: group.unit }),
        ...(group.tokens === undefined ? {} : { tokens: group.tokens }),
        ...(group.outputTokens === undefined ? {} : { outputTokens: group.outputTokens }),
        ...(group.cost === undefined ? {} : { cost: group.cost }),
      });
    }
    this.#commit(batch);
    for (const [traceId, entry, arm, scope, inherited, unit] of traces) {
      if (inherited && this.#deps.traces.get(traceId) !== undefined) continue;
      const { rollout } = entry;
      const variant = arm === 'canary' ? rollout.canaryVersion : rollout.stableVersion;
      this.#deps.traces.set(traceId, {
        rolloutId: rollout.id,
        flagKey: rollout.pack,
        arm,
        variant,
        scope,
        ...(unit === undefined ? {} : { unit }),
      });
    }
    this.#count('span', tally);
  }

  acceptMetricPoints(points: readonly OtlpMetricPoint[]): void {
    const batch = new SliceBatch(this.#deps.sliceMs);
    const tally: Tally = {};
    for (const point of points) {
      const attrs = point.attributes;
      const entry = this.#route(attrs, 'metrics', tally);
      if (entry === undefined) continue;
      const arm = armOf(entry.rollout, attrs[VARIANT] ?? attrs[VARIANT_LEGACY]);
      if (arm === undefined) {
        bump(tally, 'unknown_variant');
        continue;
      }
      const agg = batch.at(entry.rollout.id, arm, scopeOfReason(attrs[REASON]), point.timeMs);
      const used = addMetricPoint(agg, point);
      if (used && entry.source === undefined) batch.sources.set(entry.rollout.id, 'metrics');
      bump(tally, used ? 'accepted' : 'unused');
    }
    this.#commit(batch);
    this.#count('point', tally);
  }

  /** The live rollout an item counts for, or `undefined` (counted) when none or when it reads the other source. */
  #route(attrs: Attributes, source: TelemetrySource, tally: Tally): LiveRolloutEntry | undefined {
    const flagKey = attrs[FLAG_KEY];
    const entry = typeof flagKey === 'string' ? this.#deps.index.get(flagKey) : undefined;
    if (entry === undefined) {
      bump(tally, 'no_rollout');
      return undefined;
    }
    if (entry.source !== undefined && entry.source !== source) {
      bump(tally, 'other_source');
      return undefined;
    }
    return entry;
  }

  #evaluation(
    span: OtlpSpan,
    attrs: Attributes,
    batch: SliceBatch,
    usage: Map<string, UsageGroup>,
    tally: Tally,
    traces: Array<[string, LiveRolloutEntry, Arm, SliceScope, boolean, string | undefined]>,
  ): void {
    const entry = this.#route(attrs, 'spans', tally);
    if (entry === undefined) return;
    const arm = armOf(entry.rollout, attrs[VARIANT] ?? attrs[VARIANT_LEGACY]);
    const obs =
      arm === undefined
        ? undefined
        : extractSpanObservation(
            attrs,
            { endTimeMs: span.endMs, durationMs: span.durationMs, error: span.error },
            entry.extract,
          );
    if (arm === undefined || obs === undefined) {
      bump(tally, 'unknown_variant');
      return;
    }
    const rolloutId = entry.rollout.id;
    const scope = scopeOfReason(attrs[REASON]);
    const inherited = isTrue(attrs[INHERITED]);
    const agg = batch.at(rolloutId, arm, scope, span.endMs);
    if (inherited) {
      addAttributes(agg, obs.attributes);
    } else {
      agg.addSpan({
        flagKey: obs.flagKey,
        variant: obs.variant,
        splitAssigned: obs.splitAssigned,
        endTimeMs: obs.endTimeMs,
        durationMs: obs.durationMs,
        error: obs.error,
        attributes: obs.attributes,
        ...(obs.unit === undefined ? {} : { unit: obs.unit }),
      });
      // The sample-ratio check counts split-assigned units at first exposure, against what the split served then.
      if (scope === 'split' && obs.unit !== undefined) {
        batch.expose(rolloutId, obs.unit, arm, effectiveWeight(entry.rollout, span.endMs) / 100, span.endMs);
      }
    }
    if (obs.inputTokens !== undefined || obs.outputTokens !== undefined || obs.cost !== undefined) {
      const id = `${span.traceId}\u0000${rolloutId}\u0000${arm}\u0000${scope}`;
      let group = usage.get(id);
      if (group === undefined) {
        group = {
          rolloutId,
          arm,
          scope,
          endMs: span.endMs,
          unit: obs.unit,
          tokens: undefined,
          outputTokens: undefined,
          cost: undefined,
        };
        usage.set(id, group);
      }
      group.endMs = Math.max(group.endMs, span.endMs);
      group.unit ??= obs.unit;
      if (obs.inputTokens !== undefined || obs.outputTokens !== undefined) {
        group.tokens = (group.tokens ?? 0) + (obs.inputTokens ?? 0) + (obs.outputTokens ?? 0);
      }
      if (obs.outputTokens !== undefined) group.outputTokens = (group.outputTokens ?? 0) + obs.outputTokens;
      if (obs.cost !== undefined) group.cost = (group.cost ?? 0) + obs.cost;
    }
    if (entry.source === undefined) batch.sources.set(rolloutId, 'spans');
    traces.push([span.traceId, entry, arm, scope, inherited, obs.unit]);
    bump(tally, 'accepted');
  }

  #commit(batch: SliceBatch): void {
    if (batch.empty) return;
    this.#deps.slices.commit(batch.updates(), batch.sources, batch.exposures());
    for (const rolloutId of batch.sources.keys()) {
      const entry = this.#deps.index.byRolloutId(rolloutId);
      // The store keeps the first source that ever arrived, which may not be this batch's.
      if (entry !== undefined) entry.source = this.#deps.slices.source(rolloutId);
    }
  }

  #count(item: 'span' | 'point', tally: Tally): void {
    const counters = this.#deps.counters;
    if (counters === undefined) return;
    for (const outcome of Object.keys(tally) as AnalysisOutcome[])
      counters.add(item, outcome, tally[outcome] ?? 0);
  }
}
