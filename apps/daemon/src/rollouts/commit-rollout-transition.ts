import { type ChangeDeps, type Committed, commitChange } from '../changes/commit-change.js';
import { canonicalJson } from '../packs/apply-decision.js';
import type { PackStore } from '../packs/pack-store.js';
import { compileRolloutFlag } from './compile-rollout-flag.js';
import type { Rollout, Transition } from './rollout-state.js';
import type { RolloutStore } from './rollout-store.js';

/** The stores a rollout transition writes besides the core ones. */
export interface RolloutStores {
  readonly packs: PackStore;
  readonly rollouts: RolloutStore;
}

/** A transition to persist, with what the audit log says about it. */
export interface RolloutChange {
  readonly before: Rollout;
  readonly transition: Transition;
  /** The verb after `rollout.`: `pause`, `resume`, `promote`, `rollback`, `step`, … */
  readonly action: string;
  readonly actor: string;
  readonly reason?: string | undefined;
  /** More writes that must commit with the transition (the controller's state), run inside its transaction. */
  readonly alsoWrite?: () => void;
}

function summary(rollout: Rollout) {
  return {
    phase: rollout.phase,
    reason: rollout.reason,
    weight: rollout.weight,
    stepIndex: rollout.stepIndex,
    segmentPhaseIndex: rollout.segmentPhaseIndex,
  };
}

/**
 * Persists a rollout transition in one transaction: the record, its timeline entry, the recompiled flag (and, on
 * completion, the pack's new stable version), the audit entry, and a new config revision when the flag changed,
 * which the change feed then pushes to every provider. Operators' actions and the controller both use it.
 * A transition without a timeline entry (nothing changed) writes nothing.
 */
export function commitRolloutTransition(
  deps: ChangeDeps,
  stores: RolloutStores,
  change: RolloutChange,
): Committed<Rollout> {
  const { before, transition } = change;
  const after = transition.rollout;
  const entry = transition.entry;
  if (entry === null) return { result: after, audit: null, revision: null };
  let flagChanged = false;
  return commitChange<Rollout>(
    deps,
    () => ({
      actor: change.actor,
      action: `rollout.${change.action}`,
      target: `rollout:${after.id}`,
      pack: after.pack,
      reason: change.reason ?? entry.reason,
      before: summary(before),
      after: summary(after),
      configChanged: flagChanged,
    }),
    (store) => {
      const at = entry.at;
      stores.rollouts.save(after);
      stores.rollouts.appendTimeline(after.id, entry);
      change.alsoWrite?.();
      if (after.phase === 'Completed') stores.packs.setStableVersion(after.pack, after.canaryVersion, at);
      const flag = compileRolloutFlag({ pack: after.pack, rollout: after, nowMs: deps.clock.now() });
      const current = store.flags.get(after.pack);
      flagChanged = current === undefined || canonicalJson(current.flag) !== canonicalJson(flag);
      if (flagChanged) store.flags.put(flag, after.pack, at);
      return after;
    },
  );
}
