import type { AuditEntry, AuditStore } from '../audit/audit-store.js';
import type { Clock } from '../clock/clock.js';
import { redactSecrets } from '../security/redact-secrets.js';
import type { ChangeFeed } from './change-feed.js';
import type { RevisionStore } from './revision-store.js';

/** What a change records in the audit log, and whether it changed the config providers evaluate. */
export interface ChangeRecord {
  /** The acting token's name (`actorOf(c)`), or `controller` / `system`. */
  actor: string;
  /** Dotted verb, e.g. `flag.put`, `pack.apply`, `rollout.pause`. */
  action: string;
  /** What was acted on, e.g. `flag:checkout`. */
  target: string;
  /** The pack concerned, when there is one. */
  pack?: string | null;
  reason?: string | null;
  before?: unknown;
  after?: unknown;
  /** True when flags or anything they compile from changed: a new config revision is recorded and pushed. */
  configChanged: boolean;
}

/**
 * The part of the store every change writes: the audit log, the config revisions, and the transaction that
 * groups a change's writes. The daemon's `Store` satisfies it; a feature names the rest of what it writes in `S`.
 */
export interface ChangeLog {
  readonly audit: AuditStore;
  readonly revisions: RevisionStore;
  /**
   * Runs `fn` in one transaction: committed when it returns, rolled back when it throws. Nested calls join the
   * outer transaction.
   */
  transaction<T>(fn: () => T): T;
}

/** What {@link commitChange} needs. The app context satisfies it. */
export interface ChangeDeps<S extends ChangeLog = ChangeLog> {
  readonly store: S;
  readonly feed: ChangeFeed;
  readonly clock: Clock;
}

/** The outcome of a committed change. */
export interface Committed<T> {
  result: T;
  /** The audit entry written, or `null` when the change turned out to be a no-op. */
  audit: AuditEntry | null;
  /** The new config revision, or `null` when the config did not change. */
  revision: number | null;
}

/**
 * The one way state changes. Runs `mutate`, writes the audit entry and, when the config changed, a new
 * monotonic config revision, all in one transaction; after the commit, announces it on the change feed. If
 * anything throws, nothing is written and nothing is announced.
 *
 * `change` may be a function of `mutate`'s result (for `before`/`after` known only then); returning `null`
 * from it makes the whole call a no-op that writes no audit entry and no revision (the mutation, if it wrote
 * anything, still commits).
 *
 * @example
 * const { result, revision } = commitChange(
 *   ctx,
 *   { actor: actorOf(c), action: 'flag.delete', target: `flag:${key}`, before, configChanged: true },
 *   (store) => store.flags.delete(key),
 * );
 */
export function commitChange<T, S extends ChangeLog = ChangeLog>(
  deps: ChangeDeps<S>,
  change: ChangeRecord | ((result: T) => ChangeRecord | null),
  mutate: (store: S) => T,
): Committed<T> {
  const { store, feed, clock } = deps;
  const committed = store.transaction((): Committed<T> => {
    const result = mutate(store);
    const record = typeof change === 'function' ? change(result) : change;
    if (record === null) return { result, audit: null, revision: null };
    const at = new Date(clock.now()).toISOString();
    const draft = {
      at,
      actor: record.actor,
      action: record.action,
      target: record.target,
      pack: record.pack ?? null,
      reason: record.reason ?? null,
      // The audit log is readable with a `read` token and kept for long: webhook secrets stay out of it.
      before: redactSecrets(record.before ?? null),
      after: redactSecrets(record.after ?? null),
      revision: null,
    };
    const id = store.audit.append(draft);
    let revision: number | null = null;
    if (record.configChanged) {
      revision = store.revisions.next(at, id);
      store.audit.setRevision(id, revision);
    }
    return { result, audit: { id, ...draft, revision }, revision };
  });
  if (committed.audit) feed.publish({ audit: committed.audit, revision: committed.revision });
  return committed;
}
