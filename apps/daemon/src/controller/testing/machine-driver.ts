/**
 * Test support: looks built from a rollout's gated metrics, and a driver that folds a look into the memory,
 * decides and applies the decision, as the controller does on each check.
 */
import type { Rollout } from '../../rollouts/rollout-state.js';
import type { LookCheck, LookSrm } from '../analysis-source.js';
import {
  type ControllerMemory,
  emptyMemory,
  hasStableArm,
  observe,
  type RolloutLook,
  stageKey,
} from '../controller-memory.js';
import { applyDecision, type Decision, decide } from '../rollout-machine.js';

/** Every check the rollout's current stage expects, passing with `n` samples per arm. */
export function passingChecks(rollout: Rollout, n = 500): LookCheck[] {
  const checks: LookCheck[] = [];
  for (const metric of rollout.spec.analysis.metrics) {
    const base = {
      metric: metric.name,
      stable: 1,
      canary: 1,
      n: { stable: n, canary: n },
      onFail: metric.onFail,
    };
    if (metric.threshold !== undefined) {
      checks.push({
        ...base,
        kind: 'threshold',
        result: 'Pass',
        reason: `${metric.name} canary 1 ok (n=${n})`,
      });
    }
    if (!hasStableArm(rollout)) continue;
    if (metric.maxIncrease !== undefined || metric.maxDecrease !== undefined) {
      checks.push({ ...base, kind: 'relative', result: 'Pass', reason: `${metric.name}: ok` });
    } else if (metric.compare) {
      checks.push({ ...base, kind: 'regression', result: 'Pass', reason: `${metric.name}: ok` });
    }
  }
  return checks;
}

/** Replaces the checks of `metric` (all kinds, or `kind`) with `change` applied. */
export function withCheck(
  checks: readonly LookCheck[],
  metric: string,
  change: Partial<LookCheck>,
  kind?: LookCheck['kind'],
): LookCheck[] {
  return checks.map((check) =>
    check.metric === metric && (kind === undefined || check.kind === kind) ? { ...check, ...change } : check,
  );
}

/** A look at `at` on the rollout's current stage. */
export function lookAt(
  rollout: Rollout,
  at: number,
  checks: readonly LookCheck[],
  srm?: LookSrm,
): RolloutLook {
  return { at, stage: stageKey(rollout), checks, srm: srm ?? { result: 'Pass', reason: 'consistent' } };
}

/** A rollout with what the controller remembers about it. */
export interface Driven {
  readonly rollout: Rollout;
  readonly memory: ControllerMemory;
  readonly decision: Decision | null;
}

/** Starts driving a rollout. */
export function drive(rollout: Rollout): Driven {
  return { rollout, memory: emptyMemory(rollout), decision: null };
}

/** One check: folds `checks` (default: all passing) into the memory, decides at `nowMs`, applies the decision. */
export function check(
  state: Driven,
  nowMs: number,
  checks?: (rollout: Rollout) => readonly LookCheck[],
  options: { timeScale?: number; srm?: LookSrm } = {},
): Driven {
  const look = lookAt(state.rollout, nowMs, (checks ?? passingChecks)(state.rollout), options.srm);
  const memory = observe(state.memory, state.rollout, look);
  const decision = decide({ rollout: state.rollout, memory, look, nowMs, timeScale: options.timeScale ?? 1 });
  const result = applyDecision(state.rollout, decision, nowMs);
  if (result !== null && !result.ok) throw new Error(result.message);
  return { rollout: result?.rollout ?? state.rollout, memory, decision };
}
