/**
 * How the evidence behind a check reads in the dashboard: samples per arm as requests and, when spans carry an
 * assignment unit, as distinct units (an estimate); the span of time a check judged (shown for hard limits); the traffic-split (SRM)
 * figures in units, or in requests when spans carry none.
 */

import { type AnalysisCheck, formatDuration, type SrmCheck } from '@prompt-canary/api-types';
import { formatShare } from './format.js';

/** A count per arm, as `n`, `nUnits` and `srm.units` carry them. */
export interface ArmCounts {
  readonly stable: number;
  readonly canary: number;
}

/** The span of time a check judged (ISO 8601, as API.md sends it). */
export type CheckWindow = NonNullable<AnalysisCheck['window']>;

/** A check as the daemon sends it, `window` and `nUnits` included. */
export type WindowedCheck = AnalysisCheck;

/** A count grouped by thousands: `2678` → `2,678`; `—` when it is not a number. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

/** Both arms' counts, stable first: `2,700 / 300`. */
export function formatArmCounts(counts: ArmCounts): string {
  return `${formatCount(counts.stable)} / ${formatCount(counts.canary)}`;
}

/** The requests behind a check: `2,700 / 300 req`. */
export function requestsText(n: ArmCounts): string {
  return `${formatArmCounts(n)} req`;
}

/** The distinct units behind a check, `2,410 / 268 units`; `null` when its spans carried no unit. */
export function unitsText(nUnits: ArmCounts | undefined): string | null {
  return nUnits ? `${formatArmCounts(nUnits)} units` : null;
}

function epochMs(at: string | undefined): number {
  return typeof at === 'string' ? Date.parse(at) : Number.NaN;
}

/** A readable window as epoch ms, or `null` when it is absent, unreadable or empty. */
function windowMs(window: CheckWindow | undefined): { from: number; to: number } | null {
  const from = epochMs(window?.from);
  const to = epochMs(window?.to);
  return Number.isFinite(from) && Number.isFinite(to) && to > from ? { from, to } : null;
}

/** A window by its length, as on-call people say it: `last 3m`; `null` without a readable window. */
export function windowLengthText(window: CheckWindow | null | undefined): string | null {
  const w = windowMs(window ?? undefined);
  return w ? `last ${formatDuration(w.to - w.from)}` : null;
}

/** A window's exact times in UTC, `11:57:00–12:00:00 UTC` (the date too when it spans days); `null` without one. */
export function windowRangeText(window: CheckWindow | null | undefined): string | null {
  const w = windowMs(window ?? undefined);
  if (!w) return null;
  const from = new Date(w.from).toISOString();
  const to = new Date(w.to).toISOString();
  const sameDay = from.slice(0, 10) === to.slice(0, 10);
  const time = (iso: string) => iso.slice(11, 19);
  return sameDay
    ? `${time(from)}–${time(to)} UTC`
    : `${from.slice(0, 10)} ${time(from)} – ${to.slice(0, 10)} ${time(to)} UTC`;
}

/**
 * One line of what a check counted and judged, for its detail: `n 2,700 / 300 req · 2,410 / 268 units (estimated)
 * · judged 11:57:00–12:00:00 UTC`, each part only when the answer has it.
 */
export function checkEvidenceText(check: WindowedCheck): string {
  const units = unitsText(check.nUnits);
  const range = windowRangeText(check.window);
  return [
    `n ${requestsText(check.n)}`,
    ...(units ? [`${units} (estimated)`] : []),
    ...(range ? [`judged ${range}`] : []),
  ].join(' · ');
}

/**
 * What the sample-ratio check counted and saw: `canary 10.1% of 2,678 units (expected 10%)` when it counted
 * units, `… of 3,000 requests …` when spans carried none; `null` when it has no shares (its reason says why).
 */
export function srmFiguresText(srm: SrmCheck): string | null {
  if (typeof srm.expectedShare !== 'number' || typeof srm.observedShare !== 'number') return null;
  const counted = srm.units
    ? ` of ${formatCount(srm.units.stable + srm.units.canary)} units`
    : typeof srm.n === 'number'
      ? ` of ${formatCount(srm.n)} requests`
      : '';
  return `canary ${formatShare(srm.observedShare)}${counted} (expected ${formatShare(srm.expectedShare)})`;
}
