import {
  type ArmAggregate,
  addToMoments,
  downstreamObservationOf,
  emptyMoments,
  extractSpanObservation,
  QuantileSketch,
  type SpanObservation,
  type UsageObservation,
} from '@prompt-canary/analysis';
import { TelemetryAttributes } from '@prompt-canary/rules';
import type { Attributes, IngestSink, OtlpMetricPoint, OtlpSpan, SpanWriter } from '../otlp/ingest-sink.js';
import type { AnalysisIngestCounters, AnalysisOutcome } from './analysis-ingest-counters.js';
import type { AssignmentObserver } from './assignment-observer.js';
import type { InstanceObserver } from './instance-observer.js';
import { armOf, type LiveRolloutEntry, type LiveRolloutIndex } from './live-rollout-index.js';
import { addMetricPoint } from './metric-point-contribution.js';
import { SliceBatch } from './slice-batch.js';
import { type Arm, type SliceScope, scopeOfReason, type TelemetrySource } from './slice-key.js';
import type { SliceStore } from './slice-store.js';
import type { TraceAssignment, TraceStore } from './trace-index.js';
import type { TraceSampler } from './trace-sampler.js';

const FLAG_KEY = TelemetryAttributes.FLAG_KEY;
const VARIANT = TelemetryAttributes.FLAG_VARIANT;
const VARIANT_LEGACY = TelemetryAttributes.FLAG_VARIANT_LEGACY;
const REASON = TelemetryAttributes.FLAG_REASON;
const REVISION = TelemetryAttributes.FLAG_VERSION;
const INSTANCE = 'service.instance.id';
const BUCKET = TelemetryAttributes.FLAG_BUCKET;
/** Set by the provider's span processor on the assignment it copies from a parent onto a child span. */
export const INHERITED = TelemetryAttributes.FLAG_INHERITED;
/** Set by the provider's downstream span processor on spans of a service that got the assignment by baggage. */
const DOWNSTREAM = TelemetryAttributes.DOWNSTREAM;

/** What {@link AggregatingIngestSink} works with. */
export interface AggregatingIngestSinkDeps {
  index: LiveRolloutIndex;
  slices: SliceStore;
  traces: TraceStore;
  /** Aggregate slice length in real ms. */
  sliceMs: number;
  counters?: AnalysisIngestCounters;
  /** Told which config revision each app instance evaluated with (rollback drills' evidence). */
  instances?: InstanceObserver;
  /** Told every split-assigned request span with a bucket (served-versus-assigned checks). */
  assignments?: AssignmentObserver;
  /** Offered every committed split-assigned request (the evaluation sampling's reservoir). */
  sampler?: TraceSampler;
  /** Told when the trace join could not be written (logged by the composition root). */
  onTraceJoinError?: (error: unknown) => void;
  /**
   * Runs the group commit after the requests ready now have been aggregated; default `setImmediate` (after the
   * event loop's pending I/O, so requests that arrived together commit together).
   */
  defer?: (fn: () => void) => void;
}

type TraceRecord = [string, LiveRolloutEntry, Arm, SliceScope, boolean, string | undefined, number];

/** Requests aggregated since the last commit, committed together, each answered when the commit is done. */
interface CommitGroup {
  readonly batch: SliceBatch;
  readonly traces: TraceRecord[];
  readonly tallies: Array<['span' | 'point', Tally]>;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
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

/** {@link AggregatingIngestSink}'s span writer: its commit always settles later (after the group commit). */
export interface AggregatingSpanWriter extends SpanWriter {
  commit(): Promise<void>;
}

function bump(tally: Tally, outcome: AnalysisOutcome): void {
  tally[outcome] = (tally[outcome] ?? 0) + 1;
}

/** Reason `SPLIT` said explicitly (any case): the only assignments the split's bounds decide. */
function isSplitReason(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase() === 'split';
}

/** How a kept item is counted: `accepted` for a live rollout, `baseline` for the baseline of a pack at rest. */
function keptAs(entry: LiveRolloutEntry): 'accepted' | 'baseline' {
  return entry.live === undefined ? 'baseline' : 'accepted';
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
 * transaction before returning, so the OTLP route acknowledges only what is durable. A pack at rest (no live
 * rollout) has its stable version's items credited the same way to its rolling baseline (`baseline:<pack>`, arm
 * `stable`: `pack-baseline.ts`), which records no sample-ratio exposures and offers nothing to evaluation sampling.
 *
 * The counting rule, so that one request counts once although the provider copies its assignment onto child spans
 * (those copies carry `feature_flag.inherited: true`):
 * - request facts (the request count, errors, latency) come only from spans whose assignment is not inherited;
 * - usage (input + output tokens, output tokens, cost) of every flag-bearing span of a trace within one export
 *   request, inherited or not, is summed into one per-request sample (a trace whose spans are split across
 *   export requests yields one sample per request it arrived in);
 * - custom metric attributes are one sample per span that carries them, inherited or not;
 * - a downstream service's span (`promptcanary.downstream: true`) is no request of the app: it counts once under
 *   its `service.name` (its inherited children not at all), with the unit of its trace's app span when the trace
 *   join already knows it, and adds nothing to the app's requests, usage, custom attributes or trace join.
 */
export class AggregatingIngestSink implements IngestSink {
  readonly #deps: AggregatingIngestSinkDeps;
  #pending: CommitGroup | undefined;

  constructor(deps: AggregatingIngestSinkDeps) {
    this.#deps = deps;
  }

  /**
   * A writer for one request's spans: each span is aggregated as the receiver decodes it (so its record dies young,
   * instead of a whole request of records outliving the collections that run while it is read), into partial
   * aggregates of this request alone. `commit()` joins them to the pending group commit and resolves once they are
   * committed. A writer that is never committed (the request turned out malformed) writes nothing.
   *
   * Requests that arrive while a commit is pending share it (a group commit: one SQLite transaction for all of
   * them); each request is aggregated whole before it joins the group, so a request that fails is never partly
   * written, and when the commit fails every request of the group is refused.
   */
  openSpans(): AggregatingSpanWriter {
    const batch = new SliceBatch(this.#deps.sliceMs);
    const usage = new Map<string, UsageGroup>();
    const tally: Tally = {};
    const traces: TraceRecord[] = [];
    return {
      add: (span) => this.#span(span, batch, usage, tally, traces),
      commit: () => {
        for (const group of usage.values()) {
          const agg = batch.at(group.rolloutId, group.arm, group.scope, group.endMs);
          // Plain assignments, not conditional spreads: this runs once per trace on the ingest hot path.
          const observed: UsageObservation = {};
          if (group.unit !== undefined) observed.unit = group.unit;
          if (group.tokens !== undefined) observed.tokens = group.tokens;
          if (group.outputTokens !== undefined) observed.outputTokens = group.outputTokens;
          if (group.cost !== undefined) observed.cost = group.cost;
          agg.addUsage(observed);
        }
        return this.#join(batch, traces, ['span', tally]);
      },
    };
  }

  /** Aggregates a request's spans and resolves once they are committed: {@link openSpans} for spans at hand. */
  acceptSpans(spans: readonly OtlpSpan[]): Promise<void> {
    const writer = this.openSpans();
    for (const span of spans) writer.add(span);
    return writer.commit();
  }

  #span(
    span: OtlpSpan,
    batch: SliceBatch,
    usage: Map<string, UsageGroup>,
    tally: Tally,
    traces: TraceRecord[],
  ): void {
    const events = span.flagEvaluations;
    if (events.length === 0) {
      this.#evaluation(span, span.attributes, batch, usage, tally, traces);
      return;
    }
    let spanKeyCovered = false;
    for (const event of events) {
      if (event[FLAG_KEY] === span.attributes[FLAG_KEY]) spanKeyCovered = true;
      const attrs = { ...span.attributes, ...event };
      // Each evaluation event says itself whether it came by baggage: a service's own flag beside a downstream
      // one must not take the downstream marker the span's attributes got from the other.
      if (event[DOWNSTREAM] === undefined && attrs[DOWNSTREAM] !== undefined) delete attrs[DOWNSTREAM];
      this.#evaluation(span, attrs, batch, usage, tally, traces);
    }
    if (!spanKeyCovered && typeof span.attributes[FLAG_KEY] === 'string') {
      this.#evaluation(span, span.attributes, batch, usage, tally, traces);
    }
  }

  #join(batch: SliceBatch, traces: readonly TraceRecord[], tally: ['span' | 'point', Tally]): Promise<void> {
    let group = this.#pending;
    if (group === undefined) {
      let resolve = () => {};
      let reject: (error: unknown) => void = () => {};
      const done = new Promise<void>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      group = { batch, traces: [], tallies: [], done, resolve, reject };
      this.#pending = group;
      (this.#deps.defer ?? setImmediate)(() => this.#flush());
    } else {
      group.batch.absorb(batch);
    }
    group.traces.push(...traces);
    group.tallies.push(tally);
    return group.done;
  }

  #flush(): void {
    const group = this.#pending;
    this.#pending = undefined;
    if (group === undefined) return;
    try {
      this.#commit(group.batch);
    } catch (error) {
      group.reject(error);
      return;
    }
    this.#remember(group.traces);
    for (const [item, tally] of group.tallies) this.#count(item, tally);
    group.resolve();
  }

  /** Records each committed trace's assignment, for scores that arrive later. */
  #remember(traces: readonly TraceRecord[]): void {
    const sampler = this.#deps.sampler;
    for (const [traceId, entry, arm, scope, inherited, unit, endMs] of traces) {
      if (inherited && this.#deps.traces.known(traceId)) continue;
      const { rollout } = entry;
      const variant = arm === 'canary' ? (rollout.canaryVersion ?? '') : rollout.stableVersion;
      // Evals sample requests the split assigned, once per request (its own span, not a child's copy); a pack's
      // baseline is never sampled (it has no evaluation of its own).
      if (sampler !== undefined && scope === 'split' && !inherited && entry.live !== undefined) {
        sampler.offer({ rolloutId: rollout.id, arm, traceId, variant, endMs });
      }
      const assignment: { -readonly [K in keyof TraceAssignment]: TraceAssignment[K] } = {
        rolloutId: rollout.id,
        flagKey: rollout.pack,
        arm,
        variant,
        scope,
      };
      if (unit !== undefined) assignment.unit = unit;
      this.#deps.traces.set(traceId, assignment);
    }
    try {
      this.#deps.traces.flush();
    } catch (error) {
      // The slices are committed and the requests are answered; only the join for later scores is lost, counted.
      this.#deps.counters?.add('span', 'unjoined', traces.length);
      this.#deps.onTraceJoinError?.(error);
    }
  }

  /** Aggregates one request's span-metric points and resolves once they are committed (see {@link openSpans}). */
  acceptMetricPoints(points: readonly OtlpMetricPoint[]): Promise<void> {
    const batch = new SliceBatch(this.#deps.sliceMs);
    const tally: Tally = {};
    for (const point of points) {
      const attrs = point.attributes;
      // Span metrics of a downstream service are not the app's requests, and are not read per service (yet).
      if (isTrue(attrs[DOWNSTREAM])) {
        bump(tally, 'unused');
        continue;
      }
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
      bump(tally, used ? keptAs(entry) : 'unused');
    }
    return this.#join(batch, [], ['point', tally]);
  }

  /**
   * The live rollout (or the baseline of a pack at rest) an item counts for, or `undefined` (counted) when none, when
   * it reads the other source, or when the pack is at rest and the item is not of its stable version.
   */
  #route(attrs: Attributes, source: TelemetrySource, tally: Tally): LiveRolloutEntry | undefined {
    const flagKey = attrs[FLAG_KEY];
    const entry = typeof flagKey === 'string' ? this.#deps.index.get(flagKey) : undefined;
    if (
      entry === undefined ||
      (entry.live === undefined && (attrs[VARIANT] ?? attrs[VARIANT_LEGACY]) !== entry.rollout.stableVersion)
    ) {
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
    traces: TraceRecord[],
  ): void {
    const instances = this.#deps.instances;
    if (instances !== undefined) {
      // Before routing: a pack at rest (no live rollout) is drilled too, on the same evidence.
      const flagKey = attrs[FLAG_KEY];
      const revision = attrs[REVISION];
      const instance = attrs[INSTANCE];
      if (
        typeof flagKey === 'string' &&
        typeof instance === 'string' &&
        (typeof revision === 'string' || typeof revision === 'number') &&
        !isTrue(attrs[INHERITED]) &&
        !isTrue(attrs[DOWNSTREAM])
      ) {
        instances.seen(flagKey, instance, String(revision));
        const bucket = attrs[BUCKET];
        const variant = attrs[VARIANT] ?? attrs[VARIANT_LEGACY];
        if (
          this.#deps.assignments !== undefined &&
          typeof bucket === 'number' &&
          typeof variant === 'string' &&
          isSplitReason(attrs[REASON])
        ) {
          this.#deps.assignments.served({
            flagKey,
            instance,
            revision: Number(revision),
            bucket,
            variant,
            startMs: span.endMs - span.durationMs,
          });
        }
      }
    }
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
    if (obs.downstreamService !== undefined) {
      this.#downstream(obs, span.traceId, rolloutId, agg);
      if (entry.source === undefined) batch.sources.set(rolloutId, 'spans');
      bump(tally, keptAs(entry));
      return;
    }
    if (inherited) {
      addAttributes(agg, obs.attributes);
    } else {
      // The request's facts only: its tokens and cost are summed per trace below.
      const request: SpanObservation = {
        flagKey: obs.flagKey,
        variant: obs.variant,
        splitAssigned: obs.splitAssigned,
        endTimeMs: obs.endTimeMs,
        durationMs: obs.durationMs,
        error: obs.error,
        attributes: obs.attributes,
      };
      if (obs.unit !== undefined) request.unit = obs.unit;
      agg.addSpan(request);
      // The sample-ratio check counts split-assigned units at first exposure, against what the split served then.
      // A pack's baseline has no split to check.
      if (scope === 'split' && obs.unit !== undefined && entry.live !== undefined) {
        batch.expose(rolloutId, obs.unit, arm, batch.shareAt(entry.live, span.endMs), span.endMs);
      }
    }
    if (obs.inputTokens !== undefined || obs.outputTokens !== undefined || obs.cost !== undefined) {
      // Keyed by the trace id alone in the common case (one assignment per trace); a trace credited to another
      // rollout, arm or scope too gets its own composite key (which never equals a hex trace id).
      let id = span.traceId;
      let group = usage.get(id);
      if (
        group !== undefined &&
        (group.rolloutId !== rolloutId || group.arm !== arm || group.scope !== scope)
      ) {
        id = `${span.traceId}\u0000${rolloutId}\u0000${arm}\u0000${scope}`;
        group = usage.get(id);
      }
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
    if (entry.joinsScores) traces.push([span.traceId, entry, arm, scope, inherited, obs.unit, span.endMs]);
    bump(tally, keptAs(entry));
  }

  /** Counts a downstream request under its service, clustered by its trace's unit when the join knows it. */
  #downstream(obs: SpanObservation, traceId: string, rolloutId: string, agg: ArmAggregate): void {
    if (obs.inherited === true) return;
    const traces = this.#deps.traces;
    const joined = traces.known(traceId) ? traces.get(traceId) : undefined;
    const unit = joined?.rolloutId === rolloutId ? joined.unit : undefined;
    const request = downstreamObservationOf(obs, unit);
    if (request !== undefined) agg.addDownstream(request);
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
