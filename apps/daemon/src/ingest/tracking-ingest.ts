import type { EvaluationContext, EvaluationDetails } from '@prompt-canary/rules';
import type { AnalysisIngestCounters, AnalysisOutcome } from './analysis-ingest-counters.js';
import { armOf, type LiveRolloutIndex } from './live-rollout-index.js';
import { BASELINE_ROLLOUT_PREFIX } from './pack-baseline.js';
import { SliceBatch } from './slice-batch.js';
import { type SliceScope, scopeOfReason } from './slice-key.js';
import type { SliceStore } from './slice-store.js';
import type { TraceStore } from './trace-index.js';

/** One tracking event (`POST /api/v1/track`), validated. */
export interface TrackEvent {
  readonly name: string;
  readonly flagKey: string;
  readonly variant?: string | undefined;
  /** The OpenFeature reason of the unit's assignment, as the provider saw it (`SPLIT`, `TARGETING_MATCH`, …). */
  readonly reason?: string | undefined;
  readonly targetingKey: string;
  readonly value?: number | undefined;
  readonly attributes?: Readonly<Record<string, string | number | boolean>> | undefined;
  readonly timeMs: number;
}

/** One late score (`POST /api/v1/scores`), validated. */
export interface ScoreEvent {
  readonly traceId: string;
  readonly name: string;
  readonly value: number;
  readonly timeMs: number;
}

/** What became of a batch: how many were credited, and why the others were dropped. */
export interface IngestTally {
  accepted: number;
  dropped: Partial<Record<AnalysisOutcome, number>>;
}

/** Evaluates a flag of the current config, as a provider would. */
export type EvaluateFlag = (flagKey: string, context: EvaluationContext, nowMs: number) => EvaluationDetails;

/** What {@link TrackingIngest} works with. */
export interface TrackingIngestDeps {
  index: LiveRolloutIndex;
  slices: SliceStore;
  traces: TraceStore;
  sliceMs: number;
  evaluate: EvaluateFlag;
  counters?: AnalysisIngestCounters;
}

function drop(tally: IngestTally, outcome: AnalysisOutcome): void {
  tally.dropped[outcome] = (tally.dropped[outcome] ?? 0) + 1;
}

/**
 * Credits tracking events and late scores to rollout arms, committing each batch in one transaction (like spans).
 *
 * Tracking events: with a `variant`, the arm of that version; without one, the version the unit would be served
 * now, by evaluating the pack's current compiled flag for `{...attributes, targetingKey}` at the event's time. This
 * is an approximation of "the version served at `timestamp`": it uses today's weights with the schedule windows
 * of `timestamp`. Since ramps only add units to the canary, it differs only for units that a weight decrease
 * (a window closing, a rollback) moved back to stable in between. The scope (split or targeting) comes from the
 * evaluation's reason (an explicit variant that differs from the evaluation counts as split), unless the event
 * carries `reason` (the OpenFeature reason of the unit's assignment, sent by the provider), which then names it.
 * Targeting keys are never stored.
 *
 * Scores: joined through the trace index to the rollout and arm recorded at span ingest; unknown traces dropped.
 */
export class TrackingIngest {
  readonly #deps: TrackingIngestDeps;

  constructor(deps: TrackingIngestDeps) {
    this.#deps = deps;
  }

  /** Credits tracking events; returns what became of them. */
  track(events: readonly TrackEvent[]): IngestTally {
    const batch = new SliceBatch(this.#deps.sliceMs);
    const tally: IngestTally = { accepted: 0, dropped: {} };
    let baseline = 0;
    for (const event of events) {
      const entry = this.#deps.index.get(event.flagKey);
      if (entry === undefined) {
        drop(tally, 'no_rollout');
        continue;
      }
      const { variant, scope } = this.#assignment(event);
      const arm = armOf(entry.rollout, variant);
      if (arm === undefined || variant === undefined) {
        // A pack at rest keeps only its stable version's events (in its baseline): others count as before it had one.
        drop(tally, entry.live === undefined ? 'no_rollout' : 'unknown_variant');
        continue;
      }
      if (entry.live === undefined) baseline++;
      // The targeting key groups a unit's events into one cluster (the spans' hashed ids are a different space,
      // which does not matter: each metric's clusters are its own).
      const obs = {
        flagKey: event.flagKey,
        variant,
        name: event.name,
        timeMs: event.timeMs,
        unit: event.targetingKey,
      };
      batch
        .at(entry.rollout.id, arm, scope, event.timeMs)
        .addFeedback(event.value === undefined ? obs : { ...obs, value: event.value });
      tally.accepted++;
    }
    this.#commit(batch, 'track', tally, baseline);
    return tally;
  }

  /**
   * The variant and scope an event is credited to. The event's `reason` (what the provider's evaluation said) names
   * the scope when present, since the event's attributes rarely carry the segment attributes; otherwise the scope
   * comes from re-evaluating the flag. The variant is the event's, else the evaluation's.
   */
  #assignment(event: TrackEvent): { variant: string | undefined; scope: SliceScope } {
    if (event.reason !== undefined && event.variant !== undefined) {
      return { variant: event.variant, scope: scopeOfReason(event.reason) };
    }
    const context: EvaluationContext = { ...event.attributes, targetingKey: event.targetingKey };
    const details = this.#deps.evaluate(event.flagKey, context, event.timeMs);
    const variant = event.variant ?? details.variant;
    if (event.reason !== undefined) return { variant, scope: scopeOfReason(event.reason) };
    return { variant, scope: variant === details.variant ? scopeOfReason(details.reason) : 'split' };
  }

  /** Joins scores to the arms recorded for their traces; returns what became of them. */
  scores(scores: readonly ScoreEvent[]): IngestTally {
    const batch = new SliceBatch(this.#deps.sliceMs);
    const tally: IngestTally = { accepted: 0, dropped: {} };
    let baseline = 0;
    for (const score of scores) {
      const assignment = this.#deps.traces.get(score.traceId.toLowerCase());
      if (assignment === undefined) {
        drop(tally, 'unknown_trace');
        continue;
      }
      if (assignment.rolloutId.startsWith(BASELINE_ROLLOUT_PREFIX)) {
        // A trace of a baseline whose version has since been replaced (or whose pack is gone) has nowhere to go.
        if (!this.#deps.index.baselineHolds(assignment.flagKey, assignment.variant)) {
          drop(tally, 'no_rollout');
          continue;
        }
        baseline++;
      }
      batch.at(assignment.rolloutId, assignment.arm, assignment.scope, score.timeMs).addScore({
        flagKey: assignment.flagKey,
        variant: assignment.variant,
        name: score.name,
        value: score.value,
        timeMs: score.timeMs,
        ...(assignment.unit === undefined ? {} : { unit: assignment.unit }),
      });
      tally.accepted++;
    }
    this.#commit(batch, 'score', tally, baseline);
    return tally;
  }

  /** Commits a batch and counts it; `baseline` of the accepted items went to packs' baselines. */
  #commit(batch: SliceBatch, item: 'track' | 'score', tally: IngestTally, baseline: number): void {
    if (!batch.empty) this.#deps.slices.commit(batch.updates());
    const counters = this.#deps.counters;
    if (counters === undefined) return;
    counters.add(item, 'accepted', tally.accepted - baseline);
    counters.add(item, 'baseline', baseline);
    for (const outcome of Object.keys(tally.dropped) as AnalysisOutcome[]) {
      counters.add(item, outcome, tally.dropped[outcome] ?? 0);
    }
  }
}
