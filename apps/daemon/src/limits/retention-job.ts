import type { AppContext } from '../app-context.js';
import type { AuditStore } from '../audit/audit-store.js';
import type { SliceStore } from '../ingest/slice-store.js';

/** The stores retention prunes, and the transaction that makes a pass all or nothing. */
export interface RetentionStore {
  readonly slices: Pick<SliceStore, 'pruneFinishedBefore'>;
  readonly audit: Pick<AuditStore, 'pruneBefore'>;
  transaction<T>(fn: () => T): T;
}

/** How long stored history is kept; `undefined` keeps it forever (the default). */
export interface RetentionSettings {
  /** Days of analysis aggregates (and the tracking events and spans folded into them) of finished rollouts. */
  aggregatesDays: number | undefined;
  /** Days of audit log entries. */
  auditDays: number | undefined;
}

/** What one pruning pass removed. */
export interface PruneResult {
  aggregates: number;
  audit: number;
}

const DAY_MS = 86_400_000;

/** How often the pruning job runs (an hour of the daemon's clock). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/**
 * Deletes what is older than the retention windows at `nowMs`: aggregate slices of rollouts that are no longer
 * live (a live rollout's analysis keeps all its data), and audit entries (their config revisions keep their number
 * and lose the link). One transaction.
 */
export function pruneHistory(store: RetentionStore, settings: RetentionSettings, nowMs: number): PruneResult {
  const result: PruneResult = { aggregates: 0, audit: 0 };
  store.transaction(() => {
    if (settings.aggregatesDays !== undefined) {
      result.aggregates = store.slices.pruneFinishedBefore(nowMs - settings.aggregatesDays * DAY_MS);
    }
    if (settings.auditDays !== undefined) {
      result.audit = store.audit.pruneBefore(new Date(nowMs - settings.auditDays * DAY_MS).toISOString());
    }
  });
  return result;
}

/**
 * Runs {@link pruneHistory} at start and then every {@link RETENTION_INTERVAL_MS} on the context's clock (a manual
 * clock drives it in tests), when any retention is set. Stopped by `ctx.onClose`.
 */
export function startRetention(ctx: AppContext, settings: RetentionSettings): void {
  if (settings.aggregatesDays === undefined && settings.auditDays === undefined) return;
  let cancel = () => {};
  const run = () => {
    try {
      const pruned = pruneHistory(ctx.store, settings, ctx.clock.now());
      if (pruned.aggregates + pruned.audit > 0) ctx.logger.info({ pruned }, 'retention: pruned old history');
    } catch (err) {
      ctx.logger.error({ err }, 'retention: pruning failed');
    }
    cancel = ctx.clock.setTimer(RETENTION_INTERVAL_MS, run);
  };
  run();
  ctx.onClose(() => cancel());
}
