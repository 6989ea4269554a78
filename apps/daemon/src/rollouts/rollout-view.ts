import type {
  RolloutDetail as ApiRolloutDetail,
  RolloutView as ApiRolloutView,
} from '@prompt-canary/api-types';
import type { RolloutSpec } from '../packs/prompt-pack.js';
import { effectiveWeight } from './effective-weight.js';
import type { RolloutPlan } from './rollout-plan.js';
import { inSegmentPhases, type Rollout, type TimelineEntry } from './rollout-state.js';

/** A rollout as `GET /api/v1/rollouts` lists it (API.md): the shared answer type, so clients cannot drift. */
export type RolloutView = ApiRolloutView;

/**
 * A rollout as `GET /api/v1/rollouts/{id}` shows it: the list fields plus spec, plan and timeline, with the
 * daemon's full spec and plan types (which satisfy the shared {@link ApiRolloutDetail}).
 */
export interface RolloutDetail extends ApiRolloutDetail {
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
