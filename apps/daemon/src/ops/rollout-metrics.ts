import { Counter, Gauge } from 'prom-client';
import type { AppContext } from '../app-context.js';
import type { AuditEntry } from '../audit/audit-store.js';
import { CONTROLLER_ACTOR } from '../controller/rollout-machine.js';
import { effectiveWeight } from '../rollouts/effective-weight.js';

/** Who rolled a rollout back: the `reason` label of `canaryd_rollbacks_total`. */
export type RollbackReason = 'analysis' | 'manual' | 'fast_rollback';

/**
 * The rollback an audit entry records, if any: the controller's (a failing metric: `analysis`), an operator's
 * `rollback` action (`manual`), or an apply of the stable version during a rollout (`fast_rollback`, told by the
 * pack's latest history entry).
 */
export function rollbackReasonOf(
  entry: Pick<AuditEntry, 'action' | 'actor' | 'pack'>,
  latestOutcome: (pack: string) => string | undefined,
): RollbackReason | null {
  if (entry.action === 'rollout.rollback') return entry.actor === CONTROLLER_ACTOR ? 'analysis' : 'manual';
  if (entry.action === 'pack.apply' && entry.pack !== null && latestOutcome(entry.pack) === 'fast_rollback') {
    return 'fast_rollback';
  }
  return null;
}

/**
 * Operators' rollout series on `/metrics`:
 *
 * - `canaryd_canary_weight_ratio{pack}`: the share of the split the canary gets now (the rollout's effective
 *   weight, schedule windows included, 0–1), read at each scrape; 0 for a pack without a live rollout.
 * - `canaryd_rollbacks_total{pack, reason}`: rollbacks by who decided (`analysis`, `manual`, `fast_rollback`),
 *   counted from the change feed as they commit, by the replica that committed them (sum over replicas).
 *
 * - `canaryd_pack_last_drill_age_seconds{pack, ok}`: the age of each pack's last rollback drill, and whether it held.
 * - `canaryd_evaluation_batches{pack, state}`: the live rollout's evaluation batches pending, scored and late.
 *
 * Returns the function that stops following the feed.
 */
export function registerRolloutMetrics(ctx: AppContext): () => void {
  const { store, clock, metrics } = ctx;
  new Gauge({
    name: 'canaryd_canary_weight_ratio',
    help: "The canary's share of the split now, 0-1 (schedule windows included); 0 without a live rollout",
    labelNames: ['pack'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      const now = clock.now();
      for (const { name } of store.packs.list()) {
        const live = store.rollouts.live(name);
        this.set({ pack: name }, live === undefined ? 0 : effectiveWeight(live, now) / 100);
      }
    },
  });
  new Gauge({
    name: 'canaryd_evaluation_batches',
    help: "The live rollout's evaluation hook batches by state (pending, scored, late)",
    labelNames: ['pack', 'state'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const { name } of store.packs.list()) {
        const live = store.rollouts.live(name);
        if (live?.spec.analysis.evaluation === undefined) continue;
        const summary = store.evaluations.summary(live.id);
        for (const state of ['pending', 'scored', 'late'] as const) {
          this.set({ pack: name, state }, summary[state]);
        }
      }
    },
  });
  new Gauge({
    name: 'canaryd_pack_last_drill_age_seconds',
    help: "Seconds since the pack's last rollback drill started (packs never drilled are absent)",
    labelNames: ['pack', 'ok'],
    registers: [metrics.registry],
    collect() {
      this.reset();
      const now = clock.now();
      for (const [pack, drill] of store.drills.all()) {
        this.set({ pack, ok: drill.ok ? 'true' : 'false' }, Math.max(0, (now - Date.parse(drill.at)) / 1000));
      }
    },
  });
  const rollbacks = new Counter({
    name: 'canaryd_rollbacks_total',
    help: 'Rollouts rolled back, by pack and by who decided (analysis, manual, fast_rollback)',
    labelNames: ['pack', 'reason'],
    registers: [metrics.registry],
  });
  const latestOutcome = (pack: string) => store.packs.history(pack)[0]?.outcome;
  return ctx.feed.subscribe(({ audit, remote }) => {
    // Counted by the replica that committed the rollback, so the sum over replicas counts each once.
    if (remote === true) return;
    const reason = rollbackReasonOf(audit, latestOutcome);
    if (reason !== null && audit.pack !== null) rollbacks.inc({ pack: audit.pack, reason });
  });
}
