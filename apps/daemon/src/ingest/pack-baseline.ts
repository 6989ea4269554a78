/**
 * The rolling baseline of a pack at rest: the stable version's spans of a pack with no live rollout are kept as
 * slices of a pseudo-rollout, so that a blue-green switch without a preview still has figures from "before".
 */

/** How much of the baseline is kept: the last hour of slices per pack. */
export const BASELINE_HOLD_MS = 3_600_000;

/** What every baseline's rollout id starts with (no rollout id does: those are UUIDs). */
export const BASELINE_ROLLOUT_PREFIX = 'baseline:';

/** The slice-store rollout id under which a pack's baseline slices are kept (arm `stable`). */
export function baselineRolloutId(pack: string): string {
  return `${BASELINE_ROLLOUT_PREFIX}${pack}`;
}
