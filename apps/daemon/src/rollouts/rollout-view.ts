import type {
  RolloutDetail as ApiRolloutDetail,
  RolloutView as ApiRolloutView,
} from '@prompt-canary/api-types';
import type { RolloutSpec } from '../packs/prompt-pack.js';
import { effectiveWeight } from './effective-weight.js';
import { planStrategy, type RolloutPlan } from './rollout-plan.js';
import { rolloutStage, stageEndsAtMs } from './rollout-stage.js';
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

/**
 * The list view of a rollout at `nowMs` (which decides `effectiveWeight` under schedule windows); `timeScale` (the
 * clock's) turns the stage's minimum into the wall-clock `stageEndsAt`.
 */
export function rolloutView(rollout: Rollout, nowMs: number, timeScale: number): RolloutView {
  const inSegments = inSegmentPhases(rollout);
  const endsAt = stageEndsAtMs(rollout, timeScale);
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
    strategy: planStrategy(rollout.plan),
    stage: rolloutStage(rollout),
    stageEndsAt: endsAt === null ? null : new Date(endsAt).toISOString(),
  };
}

/** The detailed view of a rollout with its timeline. */
export function rolloutDetail(
  rollout: Rollout,
  timeline: readonly TimelineEntry[],
  nowMs: number,
  timeScale: number,
): RolloutDetail {
  // Plans stored before blue-green existed carry no strategy: they are canaries.
  const plan = { ...rollout.plan, strategy: planStrategy(rollout.plan) };
  return { ...rolloutView(rollout, nowMs, timeScale), spec: rollout.spec, plan, timeline };
}
