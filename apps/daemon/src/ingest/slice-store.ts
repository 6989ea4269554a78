import type { ArmAggregate, UnitExposures } from '@prompt-canary/analysis';
import type { Arm, SliceKey, SliceScope, TelemetrySource } from './slice-key.js';

/** A request's contribution to one slice: merged into the stored aggregate on commit. */
export interface SliceUpdate {
  readonly key: SliceKey;
  readonly partial: ArmAggregate;
}

/** A stored slice as read back. */
/** Units seen in one slice of a rollout, to merge into the slice's stored exposures. */
export interface ExposureUpdate {
  readonly rolloutId: string;
  readonly sliceStart: number;
  readonly partial: UnitExposures;
}

export interface StoredSlice {
  readonly key: SliceKey;
  /** Valid until the next commit: merge it (`ArmAggregate.mergeAll`) before ingest resumes, never mutate it. */
  readonly aggregate: ArmAggregate;
}

/** Which slices {@link SliceStore.read} returns: those of one rollout whose start lies in `[fromMs, toMs)`. */
export interface SliceQuery {
  readonly rolloutId: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly arms?: readonly Arm[];
  readonly scopes?: readonly SliceScope[];
}

/**
 * Where the analyzer's per-slice aggregates live. A commit is atomic: when it returns, every update is durable;
 * when it throws, none is (so the OTLP route may answer 2xx only after it returned). Slices of several replicas
 * merge, since aggregates are mergeable.
 */
export interface SliceStore {
  /**
   * Merges each update into its slice, each exposure update into its slice's units, and records each telemetry
   * source not decided yet (the first one wins), in
   * its own transaction: ingest commits slices alone, never inside another change.
   */
  commit(
    updates: readonly SliceUpdate[],
    sources?: ReadonlyMap<string, TelemetrySource>,
    exposures?: readonly ExposureUpdate[],
  ): void;
  /**
   * The rollout's split-assigned units at first exposure, merged over its slices from `fromMs` (the earliest
   * exposure of each unit wins); empty when none were recorded.
   */
  exposures(rolloutId: string, fromMs?: number): UnitExposures;
  /** The slices matching `query`, ordered by slice start. */
  read(query: SliceQuery): StoredSlice[];
  /** The telemetry source recorded for a rollout, if any. */
  source(rolloutId: string): TelemetrySource | undefined;
  /**
   * Deletes slices that start before `cutoffMs` of rollouts that are no longer live (retention; a live rollout's
   * analysis keeps all its data). Returns how many were deleted.
   */
  pruneFinishedBefore(cutoffMs: number): number;
  /**
   * Makes the rolling baseline of `pack` (rollout id `baseline:<pack>`) hold `version`'s figures: when it recorded
   * another version, its slices, exposures and telemetry source are deleted first, so a new stable version never
   * merges into the old one's figures. Returns the slices deleted (0 when the version was already `version`).
   */
  holdBaseline(pack: string, version: string): number;
  /** Deletes the rolling baseline of `pack` (its slices, exposures, source and version). Returns the slices deleted. */
  deleteBaseline(pack: string): number;
  /**
   * Bounds the rolling baselines: deletes each baseline's slices that start `holdMs` or more before its newest
   * slice's start, and the whole baseline of a pack that no longer exists. Returns the slices deleted.
   */
  pruneBaselines(holdMs: number): number;
}
