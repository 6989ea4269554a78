import type { Analysis, CheckStatus } from '@prompt-canary/api-types';

/** The check that most needs a look in one analysis, as the overview shows it. */
export interface WorstCheck {
  /** The metric, or `traffic split` for a failed sample-ratio check. */
  readonly name: string;
  readonly status: CheckStatus;
  /** The analyzer's own line about it. */
  readonly reason: string;
}

/**
 * Rank for "needs a look": unlike the table's row status, a plain `OK` is worse than `Improved` here, and an
 * `Inconclusive` check (too few samples to judge) comes before both.
 */
const CONCERN: Record<CheckStatus, number> = { Improved: 0, OK: 1, Inconclusive: 2, Watch: 3, Degraded: 4 };

/**
 * The most worrying check of an analysis: the most severe status (a failed traffic-split check counts as
 * `Degraded`, since it pauses the rollout), the first such check on a tie; `null` without any check.
 *
 * @example
 * worstCheck(analysis); // { name: 'latency_p99', status: 'Degraded', reason: 'latency_p99 canary 3,412 ms > …' }
 */
export function worstCheck(analysis: Pick<Analysis, 'checks' | 'srm'>): WorstCheck | null {
  let worst: WorstCheck | null = null;
  for (const check of analysis.checks) {
    if (worst === null || CONCERN[check.status] > CONCERN[worst.status]) {
      worst = { name: check.metric, status: check.status, reason: check.reason };
    }
  }
  if (analysis.srm?.result === 'Fail' && (worst === null || worst.status !== 'Degraded')) {
    return { name: 'traffic split', status: 'Degraded', reason: analysis.srm.reason };
  }
  return worst;
}
