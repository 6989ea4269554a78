/**
 * Where a rollout is within its strategy, in the words the API and the reasons use: a canary's segment phase,
 * ramp or monitoring at 100%; a blue-green switch's preview or rollback window. Pure.
 */
import type { RolloutStage } from '@prompt-canary/api-types';
import { planStrategy } from './rollout-plan.js';
import { inSegmentPhases, isLive, type Rollout } from './rollout-state.js';

type StageFields = Pick<Rollout, 'phase' | 'segmentPhaseIndex' | 'stepIndex' | 'weight' | 'plan'>;

/** Whether the rollout is a blue-green switch (older records, without a strategy, are canaries). */
export function isBlueGreen(rollout: Pick<Rollout, 'plan'>): boolean {
  return planStrategy(rollout.plan) === 'blueGreen';
}

/**
 * Whether a live blue-green rollout has switched: every unit on the new version, the old one the one-step
 * fallback until the rollback window ends.
 */
export function inRollbackWindow(rollout: StageFields): boolean {
  if (!isLive(rollout) || !isBlueGreen(rollout) || inSegmentPhases(rollout)) return false;
  return rollout.stepIndex >= rollout.plan.steps.length - 1;
}

/**
 * The stage of a live rollout (`RolloutView.stage`), or `null` once it has ended: `segment`, `ramp` or `monitor`
 * (the 100% step with monitoring time) for a canary; `preview` or `rollbackWindow` for a blue-green switch.
 */
export function rolloutStage(rollout: StageFields): RolloutStage | null {
  if (!isLive(rollout)) return null;
  if (isBlueGreen(rollout)) return inRollbackWindow(rollout) ? 'rollbackWindow' : 'preview';
  if (inSegmentPhases(rollout)) return 'segment';
  const step = rollout.plan.steps[rollout.stepIndex];
  return step !== undefined && step.weight >= 100 && step.monitorForMs > 0 ? 'monitor' : 'ramp';
}

/** The minimum time (rollout time, ms) on the rollout's current stage before it may move on. */
export function stageMinimumMs(rollout: Pick<Rollout, 'segmentPhaseIndex' | 'stepIndex' | 'plan'>): number {
  const { plan } = rollout;
  if (inSegmentPhases(rollout)) return plan.segmentPhases[rollout.segmentPhaseIndex]?.durationMs ?? 0;
  const step = plan.steps[rollout.stepIndex];
  return step === undefined ? 0 : Math.max(step.minDurationMs, step.monitorForMs);
}

/**
 * When the current stage's time is up (wall-clock ms): its start plus its minimum (a preview's duration, the
 * rollback window, a step's minimum or monitoring time) under the time scale. `null` for a stage with no minimum,
 * a paused rollout (time paused does not count, so the end is not known) or one that has ended.
 */
export function stageEndsAtMs(rollout: Rollout, timeScale: number): number | null {
  if (rollout.phase !== 'Progressing') return null;
  const minimumMs = stageMinimumMs(rollout);
  if (minimumMs <= 0) return null;
  return Date.parse(rollout.stageStartedAt) + minimumMs / timeScale;
}

/**
 * Where the rollout is, for reasons: `segment internal_users (100%)`, `step 2 (20%)`; for a blue-green switch
 * `preview internal_users (100%)`, `preview (10%)`, `rollback window`.
 */
export function stageName(rollout: StageFields): string {
  if (isBlueGreen(rollout)) {
    if (inRollbackWindow(rollout)) return 'rollback window';
    const segment = inSegmentPhases(rollout)
      ? `${rollout.plan.segmentPhases[rollout.segmentPhaseIndex]?.name} `
      : '';
    return `preview ${segment}(${rollout.weight}%)`;
  }
  if (inSegmentPhases(rollout)) {
    return `segment ${rollout.plan.segmentPhases[rollout.segmentPhaseIndex]?.name} (${rollout.weight}%)`;
  }
  return `step ${rollout.stepIndex + 1} (${rollout.weight}%)`;
}

/** The words of a blue-green switch: `switched to 2.4.0 (blue-green)`. */
export function switchedWords(rollout: Pick<Rollout, 'canaryVersion'>): string {
  return `switched to ${rollout.canaryVersion} (blue-green)`;
}
