import {
  formatDuration,
  type RolloutStage,
  type RolloutStrategy,
  type RolloutView,
} from '@prompt-canary/api-types';
import { formatWeight } from './units.js';

/** The parts of a rollout that say where in its strategy it is (a list entry or a detail). */
export type StrategyFields = Pick<
  RolloutView,
  'phase' | 'weight' | 'step' | 'segment' | 'strategy' | 'stage' | 'stageEndsAt'
> & {
  readonly steps?: number;
  readonly plan?: { readonly steps: readonly unknown[] };
};

/** The rollout's strategy: `canary` when the daemon does not say (older daemons only ran canaries). */
export function strategyOf(rollout: { strategy?: RolloutStrategy }): RolloutStrategy {
  return rollout.strategy ?? 'canary';
}

/** A strategy as people say it: `canary`, `blue-green`. */
export function strategyName(strategy: RolloutStrategy): string {
  return strategy === 'blueGreen' ? 'blue-green' : 'canary';
}

const live = (rollout: StrategyFields) => rollout.phase === 'Progressing' || rollout.phase === 'Paused';

/**
 * The stage a live rollout is in: the daemon's `stage`, else (older daemons) read from the segment and step. `null`
 * once it has ended.
 */
export function stageOf(rollout: StrategyFields): RolloutStage | null {
  if (rollout.stage !== undefined) return rollout.stage;
  if (!live(rollout)) return null;
  return rollout.segment ? 'segment' : 'ramp';
}

/** `HH:MM UTC` of an ISO time. */
function clock(iso: string): string {
  return `${new Date(iso).toISOString().slice(11, 16)} UTC`;
}

/**
 * When the stage's time is up, relative to now: `in 42m (10:45 UTC)`, `due now (10:45 UTC)` once passed, or `''`
 * when the daemon gives no end.
 */
export function formatStageEnd(stageEndsAt: string | null | undefined, nowMs: number): string {
  if (stageEndsAt === null || stageEndsAt === undefined) return '';
  const at = Date.parse(stageEndsAt);
  if (Number.isNaN(at)) return '';
  const left = at - nowMs;
  return left >= 1000
    ? `in ${formatDuration(left)} (${clock(stageEndsAt)})`
    : `due now (${clock(stageEndsAt)})`;
}

/**
 * The stage in a few words, without the strategy: `preview internal_users (100%)`, `rollback window`,
 * `ramp step 3/10 (30%)`, `segment beta (5%)`, `monitoring at 100%`; `switched` or `ended` once over.
 */
export function formatStage(rollout: StrategyFields): string {
  const stage = stageOf(rollout);
  const weight = formatWeight(rollout.weight);
  const steps = rollout.steps ?? rollout.plan?.steps.length;
  switch (stage) {
    case 'preview':
      return rollout.segment ? `preview ${rollout.segment} (${weight})` : `preview at ${weight}`;
    case 'rollbackWindow':
      return 'rollback window';
    case 'segment':
      return `segment ${rollout.segment ?? '?'} (${weight})`;
    case 'ramp':
      return `ramp step ${rollout.step}/${steps ?? '?'} (${weight})`;
    case 'monitor':
      return `monitoring at ${weight}`;
    default:
      if (strategyOf(rollout) === 'blueGreen') return rollout.phase === 'Completed' ? 'switched' : 'ended';
      return 'ended';
  }
}

/**
 * Which strategy and where in it, with when the stage ends: `blue-green · rollback window · ends in 42m (10:45 UTC)`,
 * `blue-green · preview internal_users (100%) · switch in 12m (10:15 UTC)`, `canary · ramp step 3/10 (30%)`.
 */
export function formatStrategy(rollout: StrategyFields, nowMs: number): string {
  const parts = [strategyName(strategyOf(rollout)), formatStage(rollout)];
  const end = live(rollout) ? formatStageEnd(rollout.stageEndsAt, nowMs) : '';
  if (end !== '') {
    const stage = stageOf(rollout);
    const verb = stage === 'preview' ? 'switch' : stage === 'ramp' ? 'may step up' : 'ends';
    parts.push(`${verb} ${end}`);
  }
  return parts.join(' · ');
}
