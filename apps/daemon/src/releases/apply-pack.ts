import { randomUUID } from 'node:crypto';
import { type ChangeDeps, commitChange } from '../changes/commit-change.js';
import type { ApplyDecision } from '../packs/apply-decision.js';
import type { PackOutcome, PackStore, StoredPack } from '../packs/pack-store.js';
import type { PackVersionStore } from '../packs/pack-version-store.js';
import type { PromptPack } from '../packs/prompt-pack.js';
import { bundleBytes, bundleOf, contentHashOf } from '../packs/version-bundle.js';
import type { RolloutWrites } from '../rollouts/commit-rollout-transition.js';
import { compileRolloutFlag, compileStableFlag } from '../rollouts/compile-rollout-flag.js';
import type { RolloutPlan } from '../rollouts/rollout-plan.js';
import { fastRollback, type Rollout, startRollout, type TimelineEntry } from '../rollouts/rollout-state.js';
import { writeContentFlag } from '../rollouts/write-content-flag.js';

/** What applying a pack produced. */
export interface AppliedPack {
  readonly stored: StoredPack;
  /** The rollout started, rolled back, or still live; `null` when the pack has none. */
  readonly rollout: Rollout | null;
}

/** Everything {@link applyPack} needs, decided and validated by the route. */
export interface ApplyPackInput {
  readonly pack: PromptPack;
  readonly plan: RolloutPlan;
  readonly decision: Exclude<ApplyDecision, { kind: 'conflict' } | { kind: 'unchanged' }>;
  readonly stored: StoredPack | null;
  readonly live: Rollout | null;
  readonly actor: string;
  /** Rollout ids; random UUIDs unless a test fixes them. */
  readonly newId?: () => string;
}

/** The ports applying a pack writes: a rollout transition's, the pack's revisions and its versions. */
export interface PackWrites extends RolloutWrites {
  readonly packs: PackStore;
  readonly packVersions: PackVersionStore;
}

/**
 * Carries out an apply decision in one transaction: the pack revision, the version's content (recorded on its
 * first apply), the rollout record and its timeline, the pack's compiled flag and its companion `<pack>.content`
 * (both owned by the pack), the audit entry (with the version's content hash) and, when a flag changed, a new config
 * revision.
 */
export function applyPack<S extends PackWrites>(deps: ChangeDeps<S>, input: ApplyPackInput): AppliedPack {
  const { pack, decision, actor } = input;
  const name = pack.metadata.name;
  const nowMs = deps.clock.now();
  const at = new Date(nowMs).toISOString();
  let rollout: Rollout | null = input.live;
  let entry: TimelineEntry | null = null;
  let outcome: PackOutcome = 'update';
  let stableVersion = input.stored?.stableVersion ?? pack.spec.version;
  let reason: string;

  if (decision.kind === 'create') {
    outcome = 'create';
    reason = `pack created: ${pack.spec.version} is stable`;
  } else if (decision.kind === 'start_rollout') {
    outcome = 'start_rollout';
    const started = startRollout({
      id: (input.newId ?? randomUUID)(),
      pack: name,
      stableVersion: decision.stableVersion,
      canaryVersion: decision.canaryVersion,
      spec: pack.spec.rollout,
      plan: input.plan,
      actor,
      nowMs,
    });
    rollout = started.rollout;
    entry = started.entry;
    stableVersion = decision.stableVersion;
    reason = entry.reason;
  } else if (decision.kind === 'fast_rollback') {
    if (input.live === null) throw new Error('fast rollback without a live rollout');
    const rolledBack = fastRollback(input.live, { actor, nowMs });
    if (!rolledBack.ok) throw new Error(rolledBack.message);
    outcome = 'fast_rollback';
    rollout = rolledBack.rollout;
    entry = rolledBack.entry;
    reason = rolledBack.rollout.reason;
  } else {
    reason = 'pack spec updated';
  }

  // An update leaves versions and rollouts alone, so the flag providers evaluate does not change.
  const flag =
    outcome === 'update'
      ? null
      : rollout === null || outcome === 'create'
        ? compileStableFlag(name, stableVersion)
        : compileRolloutFlag({ pack: name, rollout, nowMs });
  const bundle = bundleOf(pack);
  const contentHash = contentHashOf(bundle);
  let configChanged = flag !== null;

  const { result } = commitChange(
    deps,
    () => ({
      actor,
      action: 'pack.apply',
      target: `pack:${name}`,
      pack: name,
      reason,
      before: input.stored?.pack ?? null,
      after: { ...pack, contentHash },
      configChanged,
    }),
    (store): AppliedPack => {
      if (rollout !== null && entry !== null) {
        store.rollouts.save(rollout);
        store.rollouts.appendTimeline(rollout.id, entry);
      }
      const stored = store.packs.put({
        pack,
        stableVersion,
        outcome,
        rolloutId: outcome === 'start_rollout' || outcome === 'fast_rollback' ? (rollout?.id ?? null) : null,
        actor,
        at,
      });
      store.packVersions.record({
        pack: name,
        version: pack.spec.version,
        contentHash,
        bundle,
        bytes: bundleBytes(bundle),
        revision: stored.revision,
        actor,
        firstAppliedAt: at,
      });
      if (flag !== null) store.flags.put(flag, name, at);
      // Also on an update: the first apply of content for a version recorded before content existed adds it.
      const served = flag ?? store.flags.get(name)?.flag;
      if (served !== undefined && writeContentFlag(store, served, at)) configChanged = true;
      return { stored, rollout };
    },
  );
  return result;
}
