import { BASELINE_HOLD_MS } from '../ingest/pack-baseline.js';
import { isBlueGreen } from '../rollouts/rollout-stage.js';
import {
  comparesWithBaseline,
  inSegmentPhases,
  type Rollout,
  type TimelineEntry,
} from '../rollouts/rollout-state.js';

/** STATISTICS.md: stages are pooled for the sequential test while the canary is at or below this weight. */
export const POOL_MAX_WEIGHT = 50;

/**
 * The data the sequential checks accumulate over: which scope, since when, and a key that changes whenever the
 * pool restarts (so the caller's sequential state restarts with it).
 */
export interface ComparisonPool {
  /**
   * `ramp` (≤ 50%, pooled since the rollout began), `step:<i>` (above 50%), `segment:<i>` (segment phase),
   * `baseline` (monitoring at 100%, or a blue-green rollback window: canary since then against stable before then).
   */
  readonly key: string;
  readonly scope: 'split' | 'targeting';
  /** Where the pool's canary data starts (and, except for `baseline`, its stable data). */
  readonly fromMs: number;
  /**
   * `baseline` only: stable's split traffic from the rollout's start until the ramp reached 100% (`fromMs`); the
   * canary side is all canary traffic since then.
   */
  readonly stableBefore?: {
    readonly fromMs: number;
    readonly toMs: number;
    /**
     * Blue-green: the old version's traffic of every scope before the switch, the pack's rolling baseline
     * (`baselineRolloutId`) included; a canary's monitoring reads its own split traffic only.
     */
    readonly oldVersion?: true;
  };
}

/** Time of the last change of weight in the timeline (pause and resume keep the weight), or the start. */
export function lastWeightChangeMs(rollout: Rollout, timeline: readonly TimelineEntry[]): number {
  let at = Date.parse(rollout.startedAt);
  let weight: number | undefined;
  for (const entry of timeline) {
    if (weight !== undefined && entry.weight !== weight) at = Date.parse(entry.at);
    weight = entry.weight;
  }
  return at;
}

/**
 * When the current step (or segment phase) began: the last weight change, or for a segment phase its own start
 * when later (two phases may share a weight).
 */
export function stepStartMs(rollout: Rollout, timeline: readonly TimelineEntry[]): number {
  const changed = lastWeightChangeMs(rollout, timeline);
  if (!inSegmentPhases(rollout)) return changed;
  return Math.max(changed, Date.parse(rollout.stageStartedAt));
}

/**
 * Which traffic the comparisons read now, or `undefined` where there is no stable arm to compare with (the ramp
 * at 100%, i.e. `monitorFor`; a segment phase where every active segment serves 100%).
 *
 * - Segment phase k: `TARGETING_MATCH` traffic since the phase began (the population changes with each phase).
 * - Ramp at ≤ 50%: split traffic since the rollout began (segment phases contribute no split traffic), pooled
 *   across steps and schedule windows (Statsig's rule, STATISTICS.md).
 * - Ramp above 50%: split traffic of the current step only.
 */
export function comparisonPool(
  rollout: Rollout,
  timeline: readonly TimelineEntry[],
): ComparisonPool | undefined {
  if (inSegmentPhases(rollout)) {
    const active = rollout.plan.segmentPhases.slice(0, rollout.segmentPhaseIndex + 1);
    if (active.every((phase) => phase.weight >= 100)) return undefined;
    return {
      key: `segment:${rollout.segmentPhaseIndex}`,
      scope: 'targeting',
      fromMs: stepStartMs(rollout, timeline),
    };
  }
  if (comparesWithBaseline(rollout)) {
    const reached = lastWeightChangeMs(rollout, timeline);
    if (isBlueGreen(rollout)) {
      // The switch: the new version since then against the old version in the hour before it, from the
      // rollout's own stable arm (a preview) and from the pack's baseline kept while no rollout was live.
      return {
        key: 'baseline',
        scope: 'split',
        fromMs: reached,
        stableBefore: { fromMs: reached - BASELINE_HOLD_MS, toMs: reached, oldVersion: true },
      };
    }
    return {
      key: 'baseline',
      scope: 'split',
      fromMs: reached,
      stableBefore: { fromMs: Date.parse(rollout.startedAt), toMs: reached },
    };
  }
  if (rollout.weight >= 100 || rollout.phase === 'Completed') return undefined;
  if (rollout.weight <= POOL_MAX_WEIGHT) {
    return { key: 'ramp', scope: 'split', fromMs: Date.parse(rollout.startedAt) };
  }
  return {
    key: `step:${rollout.stepIndex}`,
    scope: 'split',
    fromMs: lastWeightChangeMs(rollout, timeline),
  };
}

/**
 * How many comparison pools the rollout's plan runs, and which one `pool` is (from 0): one per segment phase
 * that does not serve 100%, one for the ramp's steps up to 50%, one per step above 50% and below 100%. The
 * sequential checks share the rollout's α among them (`poolAlpha`).
 */
export function poolPosition(rollout: Rollout, pool: ComparisonPool): { pools: number; index: number } {
  const { segmentPhases, steps } = rollout.plan;
  const segmentPools = segmentPhases.filter((phase) => phase.weight < 100).length;
  const rampPool = steps.some((step) => step.weight <= POOL_MAX_WEIGHT) ? 1 : 0;
  const highSteps = steps.filter((step) => step.weight > POOL_MAX_WEIGHT && step.weight < 100).length;
  const baseline = steps.some((step) => step.weight >= 100 && step.monitorForMs > 0) ? 1 : 0;
  const pools = Math.max(1, segmentPools + rampPool + highSteps + baseline);
  if (pool.key === 'baseline') return { pools, index: pools - 1 };
  const [kind, at] = pool.key.split(':');
  const i = Number(at);
  let index = 0;
  if (kind === 'segment') {
    index = segmentPhases.slice(0, i).filter((phase) => phase.weight < 100).length;
  } else if (kind === 'ramp') {
    index = segmentPools;
  } else {
    const before = steps
      .slice(0, i)
      .filter((step) => step.weight > POOL_MAX_WEIGHT && step.weight < 100).length;
    index = segmentPools + rampPool + before;
  }
  return { pools, index: Math.min(index, pools - 1) };
}
