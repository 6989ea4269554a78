import type { RolloutView } from '@prompt-canary/api-types';
import { stageEndText, stageText, strategyName, strategyOf } from '@prompt-canary/api-types';
import { formatAgo, formatStep, formatWeight } from './format.js';

/**
 * The rollout's facts under its title: the versions (old and new for a blue-green switch), the weight, the strategy,
 * where in it the rollout is with when that stage ends (a countdown and the time, on hover the exact instant), and
 * when it started.
 */
export function RolloutFacts({ rollout, nowMs }: { rollout: RolloutView; nowMs: number }) {
  const blueGreen = rollout.strategy === 'blueGreen';
  const end = stageEndText(rollout, nowMs);
  return (
    <dl class="facts">
      <dt>{blueGreen ? 'old' : 'stable'}</dt>
      <dd>{rollout.stableVersion}</dd>
      <dt>{blueGreen ? 'new' : 'canary'}</dt>
      <dd>{rollout.canaryVersion}</dd>
      <dt>weight</dt>
      <dd class="weight">
        {formatWeight(rollout.effectiveWeight)}
        {rollout.effectiveWeight !== rollout.weight && (
          <span class="muted"> (ramp {formatWeight(rollout.weight)})</span>
        )}
      </dd>
      <dt>strategy</dt>
      <dd data-strategy={rollout.strategy ?? 'canary'}>{strategyName(strategyOf(rollout))}</dd>
      <dt>{blueGreen ? 'stage' : 'progress'}</dt>
      <dd data-stage={rollout.stage ?? ''}>
        {blueGreen ? stageText(rollout) : formatStep(rollout.step, rollout.steps, rollout.segment)}
        {end && (
          <span class="stage-end muted" title={rollout.stageEndsAt ?? undefined}>
            {' '}
            · {end}
          </span>
        )}
      </dd>
      <dt>started</dt>
      <dd>{formatAgo(rollout.startedAt, nowMs)}</dd>
    </dl>
  );
}
