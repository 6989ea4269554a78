/**
 * Where a rollout is in its strategy, in the words the CLI and the dashboard both show: one place, so `canary status`
 * and the dashboard never disagree about a stage or when it ends.
 */
import { formatDuration } from './duration.js';
import type { RolloutStage, RolloutStrategy, RolloutView } from './index.js';

/** The fields of a rollout (a list entry or a detail) that say where in its strategy it is. */
export type StrategyFields = Pick<
  RolloutView,
  'phase' | 'weight' | 'step' | 'segment' | 'strategy' | 'stage' | 'stageEndsAt'
> & {
  /** How many ramp steps the plan has (list entries); details give `plan.steps`. */
  readonly steps?: number;
  readonly plan?: { readonly steps: readonly unknown[] };
};

/** The rollout's strategy: `canary` when the daemon does not say (older daemons only ran canaries). */
export function strategyOf(rollout: { readonly strategy?: RolloutStrategy | undefined }): RolloutStrategy {
  return rollout.strategy ?? 'canary';
}

/** A strategy as people say it: `canary`, `blue-green`. */
export function strategyName(strategy: RolloutStrategy): string {
  return strategy === 'blueGreen' ? 'blue-green' : 'canary';
}

function isLive(rollout: Pick<RolloutView, 'phase'>): boolean {
  return rollout.phase === 'Progressing' || rollout.phase === 'Paused';
}

/**
 * The stage a rollout is in: the daemon's `stage`, else (older daemons) the segment phase or the ramp while live;
 * `null` once it has ended.
 */
export function stageOf(rollout: StrategyFields): RolloutStage | null {
  if (rollout.stage !== undefined) return rollout.stage;
  if (!isLive(rollout)) return null;
  return rollout.segment ? 'segment' : 'ramp';
}

/** A weight as a percentage with at most two decimals: `12.5%`. */
function weightText(weight: number): string {
  return `${Number(weight.toFixed(2))}%`;
}

/**
 * The stage in a few words, without the strategy: `preview internal_users (100%)`, `preview at 10%`,
 * `rollback window`, `ramp step 3/10 (30%)`, `segment beta (5%)`, `monitoring at 100%`; once over, `switched` (a
 * completed blue-green switch) or `ended`.
 */
export function stageText(rollout: StrategyFields): string {
  const weight = weightText(rollout.weight);
  const steps = rollout.steps ?? rollout.plan?.steps.length;
  switch (stageOf(rollout)) {
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
      return strategyOf(rollout) === 'blueGreen' && rollout.phase === 'Completed' ? 'switched' : 'ended';
  }
}

/**
 * When a live rollout's stage is up: `switch in 12m (10:15 UTC)` for a preview, `may step up in 3m (10:06 UTC)` on
 * a ramp, `ends in 42m (10:45 UTC)` otherwise; `… due now (…)` once passed; `null` when the daemon gives no end or
 * the rollout has ended.
 */
export function stageEndText(rollout: StrategyFields, nowMs: number): string | null {
  const iso = rollout.stageEndsAt;
  if (!isLive(rollout) || iso === null || iso === undefined) return null;
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return null;
  const time = `${new Date(at).toISOString().slice(11, 16)} UTC`;
  const stage = stageOf(rollout);
  const verb = stage === 'preview' ? 'switch' : stage === 'ramp' ? 'may step up' : 'ends';
  const left = at - nowMs;
  return left >= 1000 ? `${verb} in ${formatDuration(left)} (${time})` : `${verb} due now (${time})`;
}

/**
 * Which strategy and where in it, with when the stage ends: `blue-green · rollback window · ends in 42m (10:45 UTC)`,
 * `blue-green · preview internal_users (100%) · switch in 12m (10:15 UTC)`, `canary · ramp step 3/10 (30%)`.
 */
export function strategyText(rollout: StrategyFields, nowMs: number): string {
  const end = stageEndText(rollout, nowMs);
  return [strategyName(strategyOf(rollout)), stageText(rollout), ...(end === null ? [] : [end])].join(' · ');
}

/** The names of the two arms: `before switch`/`after switch` in a blue-green rollback window, else `stable`/`canary`. */
export interface ArmLabels {
  readonly stable: string;
  readonly canary: string;
}

/** The arms' names for a rollout (see {@link ArmLabels}). */
export function armLabels(rollout: Pick<RolloutView, 'strategy' | 'stage'> | undefined): ArmLabels {
  return rollout?.strategy === 'blueGreen' && rollout.stage === 'rollbackWindow'
    ? { stable: 'before switch', canary: 'after switch' }
    : { stable: 'stable', canary: 'canary' };
}
