import { formatDuration, type RolloutStage, type RolloutView } from '@prompt-canary/api-types';

/** The parts of a rollout that say where in its strategy it is. */
export type StrategyFields = Pick<
  RolloutView,
  'phase' | 'weight' | 'step' | 'steps' | 'segment' | 'strategy' | 'stage' | 'stageEndsAt'
>;

/** `blue-green` or `canary` (a daemon that does not say runs canaries). */
export function strategyText(rollout: Pick<RolloutView, 'strategy'>): string {
  return rollout.strategy === 'blueGreen' ? 'blue-green' : 'canary';
}

const isLive = (r: Pick<RolloutView, 'phase'>) => r.phase === 'Progressing' || r.phase === 'Paused';

/** The daemon's stage, else (older daemons) the segment phase or the ramp while live; `null` once ended. */
export function stageOf(rollout: StrategyFields): RolloutStage | null {
  if (rollout.stage !== undefined) return rollout.stage;
  if (!isLive(rollout)) return null;
  return rollout.segment ? 'segment' : 'ramp';
}

/** The stage in a few words: `preview internal_users (100%)`, `rollback window`, `ramp step 3/10`. */
export function stageText(rollout: StrategyFields): string {
  const weight = `${Number(rollout.weight.toFixed(2))}%`;
  switch (stageOf(rollout)) {
    case 'preview':
      return rollout.segment ? `preview ${rollout.segment} (${weight})` : `preview at ${weight}`;
    case 'rollbackWindow':
      return 'rollback window';
    case 'segment':
      return `segment ${rollout.segment ?? '?'} (${weight})`;
    case 'ramp':
      return rollout.steps ? `ramp step ${rollout.step}/${rollout.steps}` : `ramp step ${rollout.step}`;
    case 'monitor':
      return `monitoring at ${weight}`;
    default:
      return rollout.strategy === 'blueGreen' && rollout.phase === 'Completed' ? 'switched' : 'ended';
  }
}

/**
 * When a live rollout's stage is up: `switch in 12m (10:15 UTC)` for a preview, `ends in 42m (10:45 UTC)` for a
 * rollback window or monitoring, `may step up in 3m (10:06 UTC)` on a ramp; `… due now` once passed; `null` when
 * the daemon gives no end or the rollout has ended.
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

/** The names of the two arms where the page names them: before/after the switch during a rollback window. */
export interface ArmLabels {
  readonly stable: string;
  readonly canary: string;
}

/** `stable`/`canary`, or `before switch`/`after switch` for a blue-green rollout in its rollback window. */
export function armLabels(rollout: Pick<RolloutView, 'strategy' | 'stage'> | undefined): ArmLabels {
  return rollout?.strategy === 'blueGreen' && rollout.stage === 'rollbackWindow'
    ? { stable: 'before switch', canary: 'after switch' }
    : { stable: 'stable', canary: 'canary' };
}
