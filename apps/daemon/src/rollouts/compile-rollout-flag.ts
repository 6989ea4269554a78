/**
 * Compiles a pack's rollout into the flag apps evaluate: variants are the versions, the stable version is the
 * default, and the rules are, in order, the segment phases, the schedule windows and the ramp's split (DESIGN.md
 * "The model"). The same inputs always give the same flag, so the daemon can recompile on every transition.
 */
import type { Flag, FlagMetadata, Rule } from '@prompt-canary/rules';
import { windowWeight } from './effective-weight.js';
import type { RolloutPlan } from './rollout-plan.js';
import { inSegmentPhases, type Rollout } from './rollout-state.js';

/** What the compiler needs: the pack's name (the flag key), the rollout with its plan, and the time. */
export interface RolloutFlagInput {
  readonly pack: string;
  readonly rollout: Rollout;
  readonly nowMs: number;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function splitServe(plan: RolloutPlan, rollout: Rollout, weight: number): Rule['serve'] {
  return {
    split: {
      bucketBy: plan.bucketBy,
      // The canary comes first so that a higher weight only adds units to it (sticky, monotonic bucketing).
      arms: [
        { variant: rollout.canaryVersion, weight },
        { variant: rollout.stableVersion, weight: round2(100 - weight) },
      ],
    },
  };
}

function isExpired(window: { readonly until?: string }, nowMs: number): boolean {
  return window.until !== undefined && Date.parse(window.until) <= nowMs;
}

/**
 * The flag of a pack with no live rollout: one variant, the stable version, served to everyone (`STATIC`).
 */
export function compileStableFlag(pack: string, version: string, metadata: FlagMetadata = {}): Flag {
  return {
    key: pack,
    state: 'ENABLED',
    variants: { [version]: version },
    defaultVariant: version,
    rules: [],
    metadata: { ...metadata, pack, stableVersion: version },
  };
}

/**
 * The rules serving the canary for a live rollout: during segment phase k, the rules of segments 1..k only
 * (everyone else gets the default, stable); during the ramp, the segments whose weight still exceeds the ramp's,
 * then one rule per schedule window (until the ramp reaches 100%), then the ramp's split.
 */
function liveRules(rollout: Rollout, nowMs: number): Rule[] {
  const { plan } = rollout;
  if (inSegmentPhases(rollout)) {
    return plan.segmentPhases.slice(0, rollout.segmentPhaseIndex + 1).map((phase) => ({
      name: `segment:${phase.name}`,
      segment: phase.condition,
      serve: splitServe(plan, rollout, phase.weight),
    }));
  }
  const ramp = rollout.weight;
  const rules: Rule[] = plan.segmentPhases
    .filter((phase) => phase.weight > ramp)
    .map((phase) => ({
      name: `segment:${phase.name}`,
      segment: phase.condition,
      serve: splitServe(plan, rollout, phase.weight),
    }));
  if (ramp < 100) {
    for (const window of plan.windows) {
      if (isExpired(window, nowMs)) continue;
      const weight = windowWeight(window, ramp);
      const { canaryWeight: _canary, capWeight: _cap, days, ...timing } = window;
      rules.push({
        name: `window:${window.daily}`,
        window: days === undefined ? timing : { ...timing, days: [...days] },
        serve: splitServe(plan, rollout, weight),
      });
    }
  }
  if (ramp > 0) rules.push({ name: 'ramp', serve: splitServe(plan, rollout, ramp) });
  return rules;
}

/**
 * Compiles the flag for a pack during or after a rollout.
 *
 * - live (`Progressing` or `Paused`): variants `{stable, canary}`, default stable, the rollout's rules;
 * - `RolledBack`: the stable version only, no rules (every context gets stable, `STATIC`);
 * - `Completed`: the canary version only: it is the new stable.
 *
 * Metadata carries `pack`, `rolloutId`, `rolloutPhase`, `stableVersion` and `canaryVersion`, so providers know the
 * stable version for their stale-config fallback.
 *
 * @example
 * const flag = compileRolloutFlag({ pack: 'support-prompts', rollout, nowMs: clock.now() });
 */
export function compileRolloutFlag(input: RolloutFlagInput): Flag {
  const { pack, rollout, nowMs } = input;
  const metadata: FlagMetadata = {
    rolloutId: rollout.id,
    rolloutPhase: rollout.phase,
    canaryVersion: rollout.canaryVersion,
  };
  if (rollout.phase === 'Completed') return compileStableFlag(pack, rollout.canaryVersion, metadata);
  if (rollout.phase === 'RolledBack') return compileStableFlag(pack, rollout.stableVersion, metadata);
  return {
    key: pack,
    state: 'ENABLED',
    variants: {
      [rollout.stableVersion]: rollout.stableVersion,
      [rollout.canaryVersion]: rollout.canaryVersion,
    },
    defaultVariant: rollout.stableVersion,
    rules: liveRules(rollout, nowMs),
    metadata: { ...metadata, pack, stableVersion: rollout.stableVersion },
  };
}
