/** What applying a pack would do, as `canary apply --dry-run` tells it (PROMPTPACK.md "Versions and rollouts"). */
export type ApplyPlan =
  | { readonly kind: 'create'; readonly version: string }
  | { readonly kind: 'no_op' }
  | { readonly kind: 'update' }
  | { readonly kind: 'start_rollout'; readonly stableVersion: string; readonly canaryVersion: string }
  | { readonly kind: 'fast_rollback'; readonly rolloutId: string }
  | {
      readonly kind: 'conflict';
      readonly code: 'rollout_in_progress' | 'version_content_changed';
      readonly message: string;
    };

/** What {@link planApply} compares. */
export interface ApplyPlanInput {
  /** The version the file asks for. */
  readonly version: string;
  /** The live pack, `null` when it does not exist. */
  readonly stableVersion: string | null;
  /** The pack's live rollout, if any. */
  readonly live: { readonly id: string; readonly canaryVersion: string } | null;
  /** Whether `metadata` and `spec` differ from the live pack. */
  readonly changed: boolean;
  /** Whether `spec` alone differs. */
  readonly specChanged: boolean;
  /** The file's version was applied before with other content (prompts, model, attributes). */
  readonly versionContentChanged?: boolean;
}

/**
 * The daemon's apply rules, computed from what the GET answers showed: a version applied before with other content
 * is refused (409, before any rollout rule); first apply creates; a new version
 * starts a rollout unless one is live (409); the stable version during a rollout rolls it back at once; the
 * same spec is a no-op.
 *
 * @example
 * planApply({ version: '2.5.0', stableVersion: '2.4.0', live: null, changed: true, specChanged: true });
 * // { kind: 'start_rollout', stableVersion: '2.4.0', canaryVersion: '2.5.0' }
 */
export function planApply(input: ApplyPlanInput): ApplyPlan {
  const { version, stableVersion, live } = input;
  if (input.versionContentChanged === true) {
    return {
      kind: 'conflict',
      code: 'version_content_changed',
      message: `version ${version} was applied before with other content; a version's content cannot change: bump spec.version`,
    };
  }
  if (stableVersion === null) return { kind: 'create', version };
  if (live) {
    if (version === stableVersion) return { kind: 'fast_rollback', rolloutId: live.id };
    if (version === live.canaryVersion) {
      if (!input.changed) return { kind: 'no_op' };
      if (!input.specChanged) return { kind: 'update' };
      return {
        kind: 'conflict',
        code: 'rollout_in_progress',
        message: `rollout ${live.id} of ${live.canaryVersion} is live; its spec cannot change while it runs: roll back or promote first`,
      };
    }
    return {
      kind: 'conflict',
      code: 'rollout_in_progress',
      message: `rollout ${live.id} of ${live.canaryVersion} is live; roll back or promote it before applying ${version}`,
    };
  }
  if (version !== stableVersion) return { kind: 'start_rollout', stableVersion, canaryVersion: version };
  return input.changed ? { kind: 'update' } : { kind: 'no_op' };
}

/** One sentence for a plan: `would start a rollout 2.4.0 → 2.5.0`. */
export function describePlan(plan: ApplyPlan): string {
  switch (plan.kind) {
    case 'create':
      return `would create the pack; ${plan.version} becomes stable (no rollout)`;
    case 'no_op':
      return 'no-op: the live pack is the same';
    case 'update':
      return 'would update the pack (new revision, no version change, no rollout)';
    case 'start_rollout':
      return `would start a rollout ${plan.stableVersion} → ${plan.canaryVersion}`;
    case 'fast_rollback':
      return `would roll back rollout ${plan.rolloutId} at once (the stable version is applied)`;
    case 'conflict':
      return `would be refused (409 ${plan.code}): ${plan.message}`;
  }
}
