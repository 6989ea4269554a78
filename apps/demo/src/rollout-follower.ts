import { setTimeout as sleep } from 'node:timers/promises';
import type { CanaryApi, RolloutSummary } from './canary-api.js';

/** Options of {@link followRollout}. */
export interface FollowOptions {
  intervalMs?: number;
  /** Called with every read whose phase, step, weight or reason changed. */
  onChange(rollout: RolloutSummary): void;
  /** Ends the follow early (Ctrl-C). */
  signal?: AbortSignal;
}

/** The rollout's state as a string that changes when a person would notice. */
function signature(r: RolloutSummary): string {
  return [r.phase, r.step, r.weight, r.effectiveWeight, r.reason].join('|');
}

/** Whether a rollout has ended. */
export function isFinished(rollout: RolloutSummary): boolean {
  return rollout.phase === 'Completed' || rollout.phase === 'RolledBack';
}

/** One line for the terminal: `Progressing  step 2/4  25%  reason`. */
export function describeRollout(r: RolloutSummary): string {
  const step = r.steps === undefined ? `step ${r.step}` : `step ${r.step}/${r.steps}`;
  const weight =
    r.effectiveWeight === r.weight ? `${r.weight}%` : `${r.weight}% (effective ${r.effectiveWeight}%)`;
  return `${r.phase.padEnd(11)}  ${step}  ${weight}${r.reason ? `  ${r.reason}` : ''}`;
}

/**
 * Polls a rollout until it completes or rolls back, reporting each change; a daemon that does not answer for a
 * moment is retried. Resolves with the last state read, finished or not (when `signal` aborts).
 */
export async function followRollout(
  api: CanaryApi,
  id: string,
  options: FollowOptions,
): Promise<RolloutSummary> {
  let last: RolloutSummary | undefined;
  let seen = '';
  for (;;) {
    try {
      const rollout = await api.getRollout(id);
      last = rollout;
      if (signature(rollout) !== seen) {
        seen = signature(rollout);
        options.onChange(rollout);
      }
      if (isFinished(rollout)) return rollout;
    } catch (error) {
      if (last === undefined && !(error instanceof TypeError)) throw error;
    }
    if (options.signal?.aborted && last) return last;
    await sleep(options.intervalMs ?? 500);
    if (options.signal?.aborted && last) return last;
  }
}
