import { isWindowOpen } from '../packs/schedule-window.js';
import type { PlannedWindow } from './rollout-plan.js';
import { inSegmentPhases, type Rollout, type TimelineEntry } from './rollout-state.js';

/**
 * The one place that says how much of the split the canary gets: the served flag (`compileRolloutFlag`), the
 * rollout views (`effectiveWeight`) and the analysis (the SRM check's expected share) all read it here, so they
 * cannot disagree.
 */

/** The canary weight a schedule window serves while it is open, over a ramp at `ramp`%. */
export function windowWeight(
  window: Pick<PlannedWindow, 'canaryWeight' | 'capWeight'>,
  ramp: number,
): number {
  return window.canaryWeight ?? Math.min(ramp, window.capWeight ?? ramp);
}

/**
 * The weight the split serves right now (API.md `effectiveWeight`): 0 after a rollback, 100 once completed; the
 * segment phase's weight during segment phases; during the ramp, an open window's `canaryWeight`, or the ramp's
 * weight capped by an open window's `capWeight`, or the ramp's weight.
 */
export function effectiveWeight(rollout: Rollout, nowMs: number): number {
  if (rollout.phase === 'RolledBack') return 0;
  if (rollout.phase === 'Completed') return 100;
  if (inSegmentPhases(rollout) || rollout.weight >= 100) return rollout.weight;
  const open = rollout.plan.windows.find((window) => isWindowOpen(window, nowMs));
  return open === undefined ? rollout.weight : windowWeight(open, rollout.weight);
}

/**
 * The split's canary weight (0–100) at `atMs`, rebuilt from the timeline (the ramp weight then, with the schedule
 * windows open then), for the SRM check's expected share. `undefined` while the rollout was in a segment phase or
 * before it began.
 */
export function effectiveWeightAt(
  rollout: Rollout,
  timeline: readonly TimelineEntry[],
  atMs: number,
): number | undefined {
  let entry: TimelineEntry | undefined;
  for (const e of timeline) {
    if (Date.parse(e.at) > atMs) break;
    entry = e;
  }
  if (entry === undefined) return undefined;
  const rampStarted = rollout.plan.segmentPhases.length === 0 || !inSegmentPhases(rollout);
  if (!rampStarted) return undefined;
  const then: Rollout = {
    ...rollout,
    phase: entry.to,
    weight: entry.weight,
    segmentPhaseIndex: rollout.plan.segmentPhases.length,
  };
  return effectiveWeight(then, atMs);
}
