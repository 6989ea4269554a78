import type { RolloutSpec } from '../packs/prompt-pack.js';
import { effectiveWeight } from './compile-rollout-flag.js';
import type { RolloutPlan } from './rollout-plan.js';
import { inSegmentPhases, type Rollout, type RolloutPhase, type TimelineEntry } from './rollout-state.js';

/** A rollout as `GET /api/v1/rollouts` lists it (API.md). */
export interface RolloutView {
  readonly id: string;
  readonly pack: string;
  readonly phase: RolloutPhase;
  readonly reason: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  /** The ramp's (or the segment phase's) weight; 0 after a rollback. */
  readonly weight: number;
  /** What the split serves right now, schedule windows included. */
  readonly effectiveWeight: number;
  /** The ramp step, from 1; 0 during segment phases. */
  readonly step: number;
  /** How many ramp steps the plan has. */
  readonly steps: number;
  /** The active segment phase's name, `null` once the ramp runs. */
  readonly segment: string | null;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly endedAt: string | null;
}

/** A rollout as `GET /api/v1/rollouts/{id}` shows it: the list fields plus spec, plan and timeline. */
export interface RolloutDetail extends RolloutView {
  readonly spec: RolloutSpec;
  readonly plan: RolloutPlan;
  readonly timeline: readonly TimelineEntry[];
}

/** The list view of a rollout at `nowMs` (which decides `effectiveWeight` under schedule windows). */
export function rolloutView(rollout: Rollout, nowMs: number): RolloutView {
  const inSegments = inSegmentPhases(rollout);
  return {
    id: rollout.id,
    pack: rollout.pack,
    phase: rollout.phase,
    reason: rollout.reason,
    stableVersion: rollout.stableVersion,
    canaryVersion: rollout.canaryVersion,
    weight: rollout.weight,
    effectiveWeight: effectiveWeight(rollout, nowMs),
    step: inSegments ? 0 : rollout.stepIndex + 1,
    steps: rollout.plan.steps.length,
    segment: inSegments ? (rollout.plan.segmentPhases[rollout.segmentPhaseIndex]?.name ?? null) : null,
    startedAt: rollout.startedAt,
    updatedAt: rollout.updatedAt,
    endedAt: rollout.endedAt ?? null,
  };
}

/** The detailed view of a rollout with its timeline. */
export function rolloutDetail(
  rollout: Rollout,
  timeline: readonly TimelineEntry[],
  nowMs: number,
): RolloutDetail {
  return { ...rolloutView(rollout, nowMs), spec: rollout.spec, plan: rollout.plan, timeline };
}
