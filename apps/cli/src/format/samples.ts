/**
 * How the evidence behind a check reads on a terminal: samples per arm as requests and, when spans carry an
 * assignment unit, as distinct units; the span of time a hard limit judged; the traffic-split (SRM) figures.
 */

import { type AnalysisCheck, formatDuration, type SrmCheck } from '@prompt-canary/api-types';
import { formatPercent } from './units.js';

/** A count per arm, as `n`, `nUnits` and `srm.units` carry them. */
export interface ArmCounts {
  readonly stable: number;
  readonly canary: number;
}

/** The span of time a check judged (ISO 8601, as API.md sends it). */
export type CheckWindow = NonNullable<AnalysisCheck['window']>;

/** A check as the daemon sends it, `window` and `nUnits` included. */
export type WindowedCheck = AnalysisCheck;

/** Digits grouped by thousands, `—` for no count: `2700` → `2,700`. */
export function formatCount(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US');
}

/**
 * Both arms' counts, stable first: `2,700 / 300`; a missing arm reads `—`.
 *
 * @example
 * formatArmCounts({ stable: 2700, canary: 300 }); // '2,700 / 300'
 */
export function formatArmCounts(counts: Partial<ArmCounts> | undefined): string {
  return `${formatCount(counts?.stable)} / ${formatCount(counts?.canary)}`;
}

function epochMs(at: string | undefined): number {
  return typeof at === 'string' ? Date.parse(at) : Number.NaN;
}

/** How long a check's window lasted in ms, or `undefined` when it has no readable window. */
export function windowLengthMs(window: CheckWindow | undefined): number | undefined {
  const ms = epochMs(window?.to) - epochMs(window?.from);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * The span of time a hard limit judged, as on-call people say it: `last 3m`. `undefined` for comparisons (their
 * data is the pooled comparison traffic) and for a check without a window (spans without times, older daemons).
 *
 * @example
 * formatLimitWindow({ ...check, kind: 'threshold', window: { from: '…T11:57:00Z', to: '…T12:00:00Z' } }); // 'last 3m'
 */
export function formatLimitWindow(check: WindowedCheck): string | undefined {
  if (check.kind !== 'threshold') return undefined;
  const ms = windowLengthMs(check.window);
  return ms === undefined ? undefined : `last ${formatDuration(ms)}`;
}

/**
 * What the sample-ratio check counted and saw, after its result: `canary 10.1% of 2,678 units (expected 10.0%)`
 * when it counted units, `… of 3,000 requests …` when spans carried none; its reason when it has no shares.
 *
 * @example
 * formatSrm(analysis.srm); // 'SRM Pass — canary 10.0% of 2,678 units (expected 10.0%)'
 */
export function formatSrm(srm: Partial<SrmCheck> & Pick<SrmCheck, 'result'>): string {
  const { expectedShare, observedShare, result } = srm;
  if (typeof expectedShare !== 'number' || typeof observedShare !== 'number') {
    return `SRM ${result} (${srm.reason || 'no data'})`;
  }
  const expected = `(expected ${formatPercent(expectedShare)})`;
  const counted = srm.units
    ? ` of ${formatCount(srm.units.stable + srm.units.canary)} units`
    : typeof srm.n === 'number'
      ? ` of ${formatCount(srm.n)} requests`
      : '';
  return `SRM ${result} — canary ${formatPercent(observedShare)}${counted} ${expected}`;
}
