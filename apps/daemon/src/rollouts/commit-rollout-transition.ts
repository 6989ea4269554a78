import {
  type ChangeDeps,
  type ChangeLog,
  type ChangeRecord,
  type Committed,
  commitChange,
} from '../changes/commit-change.js';
import type { FlagStore } from '../flags/flag-store.js';
import { canonicalJson } from '../http/canonical-json.js';
import type { PackStore } from '../packs/pack-store.js';
import { compileRolloutFlag } from './compile-rollout-flag.js';
import type { Rollout, Transition } from './rollout-state.js';
import type { RolloutStore } from './rollout-store.js';
import { type ContentFlagWrites, writeContentFlag } from './write-content-flag.js';

/** The ports a rollout transition writes, besides the change log. The daemon's store satisfies it. */
export interface RolloutWrites extends ChangeLog, ContentFlagWrites {
  readonly rollouts: RolloutStore;
  readonly flags: Pick<FlagStore, 'get' | 'put' | 'delete'>;
  readonly packs: Pick<PackStore, 'setStableVersion'>;
}

/** A transition to persist, with what the audit log says about it. */
export interface RolloutChange {
  readonly before: Rollout;
  readonly transition: Transition;
  /** The verb after `rollout.`: `pause`, `resume`, `promote`, `rollback`, `step`, … */
  readonly action: string;
  readonly actor: string;
  readonly reason?: string | undefined;
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

/** The audit record of a transition; `configChanged` says whether its write changed the served flag. */
export function rolloutChangeRecord(change: RolloutChange, configChanged: boolean): ChangeRecord {
  const after = change.transition.rollout;
  return {
    actor: change.actor,
    action: `rollout.${change.action}`,
    target: `rollout:${after.id}`,
    pack: after.pack,
    reason: change.reason ?? change.transition.entry?.reason ?? null,
    before: summary(change.before),
    after: summary(after),
    configChanged,
  };
}

/**
 * Writes a transition inside the caller's transaction: the record, its timeline entry, on completion the pack's
 * new stable version, and the recompiled flag (and its companion `<pack>.content`) when it differs from the
 * served one. Returns whether a flag changed. Call it through {@link commitRolloutTransition}, or inside a `commitChange` that writes more with it
 * (the controller saves its own state in the same transaction).
 */
export function writeRolloutTransition(store: RolloutWrites, change: RolloutChange, nowMs: number): boolean {
  const after = change.transition.rollout;
  const entry = change.transition.entry;
  if (entry === null) return false;
  store.rollouts.save(after);
  store.rollouts.appendTimeline(after.id, entry);
  if (after.phase === 'Completed') store.packs.setStableVersion(after.pack, after.canaryVersion, entry.at);
  const flag = compileRolloutFlag({ pack: after.pack, rollout: after, nowMs });
  const current = store.flags.get(after.pack);
  const changed = current === undefined || canonicalJson(current.flag) !== canonicalJson(flag);
  if (changed) store.flags.put(flag, after.pack, entry.at);
  const contentChanged = changed && writeContentFlag(store, flag, entry.at);
  return changed || contentChanged;
}

/**
 * Persists a rollout transition in one transaction: what {@link writeRolloutTransition} writes, the audit entry,
 * and a new config revision when the flag changed, which the change feed then pushes to every provider. A
 * transition without a timeline entry (nothing changed) writes nothing.
 */
export function commitRolloutTransition<S extends RolloutWrites>(
  deps: ChangeDeps<S>,
  change: RolloutChange,
): Committed<Rollout> {
  const after = change.transition.rollout;
  if (change.transition.entry === null) return { result: after, audit: null, revision: null };
  let flagChanged = false;
  return commitChange<Rollout, S>(
    deps,
    () => rolloutChangeRecord(change, flagChanged),
    (store) => {
      flagChanged = writeRolloutTransition(store, change, deps.clock.now());
      return after;
    },
  );
}
