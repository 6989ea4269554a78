import type { AppContext } from '../app-context.js';
import type { AuditStore } from '../audit/audit-store.js';
import { BASELINE_HOLD_MS } from '../ingest/pack-baseline.js';
import type { SliceStore } from '../ingest/slice-store.js';

/** The stores retention prunes, and the transaction that makes a pass all or nothing. */
export interface RetentionStore {
  readonly slices: Pick<SliceStore, 'pruneFinishedBefore' | 'pruneBaselines'>;
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
 * How often the packs' rolling baselines are bounded (whatever the retention settings): a tenth of what they hold,
 * so a baseline never holds more than {@link BASELINE_HOLD_MS} plus this.
 */
export const BASELINE_PRUNE_INTERVAL_MS = BASELINE_HOLD_MS / 10;

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
 * Bounds every pack's rolling baseline to the {@link BASELINE_HOLD_MS} before its newest slice, and deletes the
 * baselines of packs that no longer exist. Returns the slices deleted.
 */
export function pruneBaselines(store: Pick<RetentionStore, 'slices'>): number {
  return store.slices.pruneBaselines(BASELINE_HOLD_MS);
}

/**
 * Runs {@link pruneHistory} at start and then every {@link RETENTION_INTERVAL_MS} on the context's clock (a manual
 * clock drives it in tests), when any retention is set; and {@link pruneBaselines} every
 * {@link BASELINE_PRUNE_INTERVAL_MS}, always. Stopped by `ctx.onClose`.
 */
export function startRetention(ctx: AppContext, settings: RetentionSettings): void {
  let cancelBaselines = () => {};
  const bound = () => {
    try {
      const pruned = pruneBaselines(ctx.store);
      if (pruned > 0) ctx.logger.debug({ pruned }, "retention: bounded the packs' baselines");
    } catch (err) {
      ctx.logger.error({ err }, "retention: bounding the packs' baselines failed");
    }
    cancelBaselines = ctx.clock.setTimer(BASELINE_PRUNE_INTERVAL_MS, bound);
  };
  cancelBaselines = ctx.clock.setTimer(BASELINE_PRUNE_INTERVAL_MS, bound);
  ctx.onClose(() => cancelBaselines());
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
