import { Gauge } from 'prom-client';
import type { AppContext } from '../app-context.js';
import type { Leadership } from '../controller/leadership.js';

/**
 * The replica series on `/metrics`, read at each scrape:
 *
 * - `canaryd_leader`: 1 on the replica running the rollout controller, 0 on the others (always 1 alone on SQLite).
 *   Alert when the sum over replicas is not 1 for longer than the lease.
 * - `canaryd_change_feed_lag_seconds`: how long the oldest change committed by another replica has waited to reach
 *   this replica's listeners (sync streams, OFREP, the token cache); 0 when caught up.
 */
export function registerClusterMetrics(
  ctx: Pick<AppContext, 'metrics' | 'feed' | 'logger'>,
  leadership: Leadership,
): void {
  new Gauge({
    name: 'canaryd_leader',
    help: 'Whether this replica runs the rollout controller (1) or not (0)',
    registers: [ctx.metrics.registry],
    collect() {
      this.set(leadership.isLeader() ? 1 : 0);
    },
  });
  const { feed, logger } = ctx;
  new Gauge({
    name: 'canaryd_change_feed_lag_seconds',
    help: "Seconds the oldest change not yet delivered to this replica's listeners has waited (0 when caught up)",
    registers: [ctx.metrics.registry],
    collect() {
      try {
        this.set((feed.lagMs?.() ?? 0) / 1000);
      } catch (err) {
        // The database away: the lag is unknown, and `/readyz` says why.
        logger.warn({ err }, 'change feed lag unknown');
      }
    },
  });
}
