/** Which arm of a rollout a span, point or event is credited to. */
export type Arm = 'stable' | 'canary';

/**
 * How the unit was assigned: `split` (the ramp's split or a schedule window: reason `SPLIT`, or no reason at all),
 * `targeting` (a segment rule: `TARGETING_MATCH`), `other` (any other reason, e.g. `DEFAULT` for units without the
 * bucketing attribute). Comparisons read one scope; hard limits read all of them.
 */
export type SliceScope = 'split' | 'targeting' | 'other';

/** Where one aggregate lives: rollout × arm × scope × time slice (start, epoch ms). */
export interface SliceKey {
  readonly rolloutId: string;
  readonly arm: Arm;
  readonly scope: SliceScope;
  readonly sliceStart: number;
}

/** Which telemetry a rollout reads: the first to arrive wins (never both, which would count requests twice). */
export type TelemetrySource = 'spans' | 'metrics';

/** A string form of a {@link SliceKey}, for maps. */
export function sliceKeyId(key: SliceKey): string {
  return `${key.rolloutId}\u0000${key.arm}\u0000${key.scope}\u0000${key.sliceStart}`;
}

/** The scope of a `feature_flag.result.reason` (case-insensitive; absent counts as split, as API.md says). */
export function scopeOfReason(reason: unknown): SliceScope {
  if (reason === undefined || reason === null || reason === '') return 'split';
  if (typeof reason !== 'string') return 'other';
  const r = reason.toLowerCase();
  if (r === 'split') return 'split';
  if (r === 'targeting_match') return 'targeting';
  return 'other';
}
