import { formatCount, formatPercent } from './format.js';
import type { UnitInfo } from './metric-definition.js';

/** Below this share of values carrying a unit, a check says its variance is (partly) request-level. */
export const UNIT_SHARE_NOTED_BELOW = 0.99;

/**
 * What a check's reason says about units: nothing when both arms' values carried units (≥ 99%), else which share
 * did not ("unit unknown: requests treated as independent" when none did). Those requests count as their own
 * clusters, so the variance is cluster-robust for the part with units and request-level for the rest.
 */
export function unitNote(...samples: ReadonlyArray<UnitInfo | undefined>): string {
  let least = 1;
  for (const s of samples) if (s !== undefined) least = Math.min(least, s.unitShare);
  if (least >= UNIT_SHARE_NOTED_BELOW) return '';
  if (least <= 0) return '; unit unknown: requests treated as independent';
  return `; unit unknown for ${formatPercent(1 - least)} of requests: those treated as independent`;
}

/** A short note of the design effects applied (omitted when both are ~1). */
export function designNote(stable: UnitInfo | undefined, canary: UnitInfo | undefined): string {
  const s = stable?.designEffect ?? 1;
  const c = canary?.designEffect ?? 1;
  if (s < 1.05 && c < 1.05) return '';
  return `, design effect ${c.toFixed(1)}/${s.toFixed(1)}`;
}

/** The check's `nUnits`, or `undefined` when neither arm's spans carried a unit. */
export function unitCounts(
  stable: UnitInfo | undefined,
  canary: UnitInfo | undefined,
): { stable: number; canary: number } | undefined {
  const s = stable?.units ?? 0;
  const c = canary?.units ?? 0;
  return s === 0 && c === 0 ? undefined : { stable: s, canary: c };
}

/** `units 1,234/11,020` for a reason, or '' without units. */
export function unitsText(counts: { stable: number; canary: number } | undefined): string {
  return counts === undefined ? '' : `, units ${formatCount(counts.canary)}/${formatCount(counts.stable)}`;
}
