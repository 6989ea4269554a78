import type { AppContext } from '../app-context.js';

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
export function pruneHistory(
  ctx: Pick<AppContext, 'db'>,
  settings: RetentionSettings,
  nowMs: number,
): PruneResult {
  const { db } = ctx;
  const result: PruneResult = { aggregates: 0, audit: 0 };
  db.transaction(() => {
    if (settings.aggregatesDays !== undefined) {
      const cutoff = nowMs - settings.aggregatesDays * DAY_MS;
      result.aggregates = db
        .prepare(
          `DELETE FROM aggregate_slices WHERE slice_start < ?
             AND rollout_id NOT IN (SELECT id FROM rollouts WHERE phase IN ('Progressing', 'Paused'))`,
        )
        .run(cutoff).changes;
    }
    if (settings.auditDays !== undefined) {
      const cutoff = new Date(nowMs - settings.auditDays * DAY_MS).toISOString();
      db.prepare(
        'UPDATE config_revisions SET audit_id = NULL WHERE audit_id IN (SELECT id FROM audit WHERE at < ?)',
      ).run(cutoff);
      result.audit = db.prepare('DELETE FROM audit WHERE at < ?').run(cutoff).changes;
    }
  })();
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
      const pruned = pruneHistory(ctx, settings, ctx.clock.now());
      if (pruned.aggregates + pruned.audit > 0) ctx.logger.info({ pruned }, 'retention: pruned old history');
    } catch (err) {
      ctx.logger.error({ err }, 'retention: pruning failed');
    }
    cancel = ctx.clock.setTimer(RETENTION_INTERVAL_MS, run);
  };
  run();
  ctx.onClose(() => cancel());
}
