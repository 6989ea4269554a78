/**
 * The rolling baseline of a pack at rest: the stable version's spans of a pack with no live rollout are kept as
 * slices of a pseudo-rollout, so that a blue-green switch without a preview still has figures from "before".
 *
 * What a reader can rely on (`LiveRolloutIndex`, `SliceStore.holdBaseline`/`pruneBaselines`):
 * - the slices hold one version, the pack's stable version when they were written: a change of stable version
 *   deletes them before the new version's first item, and deleting the pack deletes them;
 * - while the pack has a live rollout they are not fed (the rollout's own stable arm is) and stay as they were;
 * - they span at most {@link BASELINE_HOLD_MS} (plus the prune interval) before the newest slice, whatever the
 *   time now, so the hour before a switch stays while the old version gets no traffic;
 * - scopes are as for a rollout; no unit exposures; a telemetry source of their own (the first to arrive).
 */

/** How much of the baseline is kept: the last hour of slices per pack. */
export const BASELINE_HOLD_MS = 3_600_000;

/** What every baseline's rollout id starts with (no rollout id does: those are UUIDs). */
export const BASELINE_ROLLOUT_PREFIX = 'baseline:';

/** The slice-store rollout id under which a pack's baseline slices are kept (arm `stable`). */
export function baselineRolloutId(pack: string): string {
  return `${BASELINE_ROLLOUT_PREFIX}${pack}`;
}

/** The in-memory state a slice store keeps per rollout id, by slice/exposure key (which starts `<rolloutId>\0`). */
export interface SliceStoreCaches {
  readonly slices: Map<string, unknown>;
  readonly exposures: Map<string, unknown>;
  /** Keyed by rollout id. */
  readonly sources: Map<string, unknown>;
}

/**
 * Drops what a slice store holds in memory for one rollout id, or for every baseline, after their rows were deleted
 * (a baseline reset, a pack's deletion, pruning), so that no cached aggregate is written back. Both engines' stores
 * call it.
 */
export function forgetCached(caches: SliceStoreCaches, rolloutId: string | 'every baseline'): void {
  const every = rolloutId === 'every baseline';
  const prefix = every ? BASELINE_ROLLOUT_PREFIX : `${rolloutId}\u0000`;
  for (const id of caches.slices.keys()) if (id.startsWith(prefix)) caches.slices.delete(id);
  for (const id of caches.exposures.keys()) if (id.startsWith(prefix)) caches.exposures.delete(id);
  for (const id of caches.sources.keys()) {
    if (every ? id.startsWith(prefix) : id === rolloutId) caches.sources.delete(id);
  }
}
