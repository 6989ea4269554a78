import type { RolloutPhase, TimelineEntry } from '@prompt-canary/api-types';
import type { WeightSeries } from './weight-series.js';

/** One line of a rollout's timeline: a transition, or a schedule window opening or closing. */
export interface TimelineRow {
  /** Seconds since the epoch. */
  readonly t: number;
  /** ISO time, for the exact time on hover. */
  readonly at: string;
  /** What changed: `started`, `Progressing → Paused`, `window 02:00-06:00 opened (50%)`. */
  readonly change: string;
  /** The phase after a transition; `null` for a window. */
  readonly phase: RolloutPhase | null;
  /** The weight the split served from then on (0–100), when the series knows it. */
  readonly served: number | null;
  /** The served weight just before, when it went down then: sessions above `served` went back to stable. */
  readonly movedFrom: number | null;
  /** Who: the token's name, `controller`, or `schedule` for a window. */
  readonly actor: string;
  readonly reason: string;
}

function servedAt(series: WeightSeries, t: number): number | null {
  let served: number | null = null;
  series.xs.forEach((x, i) => {
    if (x <= t) served = series.effective[i] ?? served;
  });
  return served;
}

function transitionText(entry: TimelineEntry): string {
  return entry.from === null ? 'started' : `${entry.from} → ${entry.to}`;
}

/**
 * The rollout's story, oldest first: every transition with its actor and reason, and every schedule window that
 * opened or closed while it was live; each with the weight the split served from then on, and the drop when
 * sessions went back to stable.
 */
export function timelineRows(timeline: readonly TimelineEntry[], series: WeightSeries): TimelineRow[] {
  const moves = new Map(series.moves.map((m) => [m.t, m]));
  const rows: Array<Omit<TimelineRow, 'served' | 'movedFrom'>> = [];
  for (const entry of timeline) {
    const t = Date.parse(entry.at) / 1000;
    if (!Number.isFinite(t)) continue;
    rows.push({
      t,
      at: entry.at,
      change: transitionText(entry),
      phase: entry.to,
      actor: entry.actor,
      reason: entry.reason,
    });
  }
  for (const window of series.windows) {
    const what = `window ${window.daily} UTC`;
    if (window.opened) {
      rows.push({
        t: window.from,
        at: new Date(window.from * 1000).toISOString(),
        change: `${what} opened`,
        phase: null,
        actor: 'schedule',
        reason: `serves ${window.effect} while open`,
      });
    }
    if (window.closed) {
      rows.push({
        t: window.to,
        at: new Date(window.to * 1000).toISOString(),
        change: `${what} closed`,
        phase: null,
        actor: 'schedule',
        reason: 'back to the ramp’s weight',
      });
    }
  }
  // Oldest first; at the same second a window's change comes before a transition, which the chart shows as the
  // later of the two.
  rows.sort((a, b) => a.t - b.t || Number(a.phase !== null) - Number(b.phase !== null));
  return rows.map((row, i) => {
    const move = moves.get(row.t);
    const lastAtThisSecond = rows[i + 1]?.t !== row.t;
    return {
      ...row,
      served: servedAt(series, row.t),
      movedFrom: move && lastAtThisSecond ? move.from : null,
    };
  });
}
