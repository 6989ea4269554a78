/**
 * What `PUT /api/v1/packs/{name}` means, decided from the stored pack, its live rollout and the pack applied
 * (PROMPTPACK.md "Versions and rollouts"). Pure: the route carries the decision out in one transaction.
 */
import { canonicalJson } from '../http/canonical-json.js';
import type { PromptPack } from './prompt-pack.js';

/** The stored state of a pack that a decision needs. */
export interface StoredPackState {
  /** The version everyone gets outside a rollout. */
  readonly stableVersion: string;
  /** The last applied pack. */
  readonly pack: PromptPack;
  /** The current revision number of the pack. */
  readonly revision: number;
}

/** The live rollout of the pack, if any (`Progressing` or `Paused`). */
export interface LiveRolloutState {
  readonly id: string;
  readonly canaryVersion: string;
}

/** The decision, with the HTTP status the route answers. */
export type ApplyDecision =
  /** First apply: `spec.version` becomes stable, no rollout. */
  | { readonly kind: 'create'; readonly status: 201 }
  /** Nothing changes: the same revision is answered. */
  | { readonly kind: 'unchanged'; readonly status: 200 }
  /** A new revision of the pack; versions and rollouts are untouched. */
  | { readonly kind: 'update'; readonly status: 200 }
  /** A new revision and a rollout from the stable version to `canaryVersion`. */
  | {
      readonly kind: 'start_rollout';
      readonly status: 200;
      readonly stableVersion: string;
      readonly canaryVersion: string;
    }
  /** A new revision; the live rollout is rolled back at once, without analysis. */
  | { readonly kind: 'fast_rollback'; readonly status: 200; readonly rolloutId: string }
  /** 409 `rollout_in_progress`. */
  | {
      readonly kind: 'conflict';
      readonly status: 409;
      readonly code: 'rollout_in_progress';
      readonly message: string;
    };

/** The parts of a pack whose change makes a new revision (the `apiVersion` synonym does not). */
function content(pack: PromptPack): string {
  return canonicalJson({ metadata: pack.metadata, spec: pack.spec });
}

/**
 * Decides what applying `incoming` means.
 *
 * - no stored pack → `create` (201);
 * - a live rollout: the same version as its canary → `unchanged` when the spec is the same (metadata-only
 *   changes → `update`), else 409; the stable version → `fast_rollback`; any other version → 409;
 * - no live rollout: a version other than stable → `start_rollout` (also the retry after a rollback); the stable
 *   version → `unchanged` or `update`.
 *
 * @example
 * decideApply({ stored, live: null, incoming }); // { kind: 'start_rollout', status: 200, … }
 */
export function decideApply(input: {
  readonly stored: StoredPackState | null;
  readonly live: LiveRolloutState | null;
  readonly incoming: PromptPack;
}): ApplyDecision {
  const { stored, live, incoming } = input;
  if (stored === null) return { kind: 'create', status: 201 };
  const version = incoming.spec.version;
  const same = content(stored.pack) === content(incoming);
  if (live !== null) {
    if (version === stored.stableVersion) return { kind: 'fast_rollback', status: 200, rolloutId: live.id };
    if (version === live.canaryVersion) {
      if (same) return { kind: 'unchanged', status: 200 };
      if (canonicalJson(stored.pack.spec) === canonicalJson(incoming.spec))
        return { kind: 'update', status: 200 };
      return {
        kind: 'conflict',
        status: 409,
        code: 'rollout_in_progress',
        message: `rollout ${live.id} of ${live.canaryVersion} is live; its spec cannot change while it runs: roll back or promote first`,
      };
    }
    return {
      kind: 'conflict',
      status: 409,
      code: 'rollout_in_progress',
      message: `rollout ${live.id} of ${live.canaryVersion} is live; roll back or promote it before applying ${version}`,
    };
  }
  if (version !== stored.stableVersion) {
    return {
      kind: 'start_rollout',
      status: 200,
      stableVersion: stored.stableVersion,
      canaryVersion: version,
    };
  }
  return same ? { kind: 'unchanged', status: 200 } : { kind: 'update', status: 200 };
}
