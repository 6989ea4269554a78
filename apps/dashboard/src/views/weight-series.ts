import type { TimelineEntry } from '@prompt-canary/api-types';

/** A marked moment on the weight chart. */
export interface WeightMarker {
  /** Seconds since the epoch (uPlot's time axis). */
  readonly t: number;
  readonly actor: string;
  readonly reason: string;
}

/** The weight over time of one rollout, ready for a stepped chart. */
export interface WeightSeries {
  /** Seconds since the epoch, ascending. */
  readonly xs: number[];
  /** The ramp weight (0–100) from each x until the next. */
  readonly weights: number[];
  /** Spans of time spent paused, `[from, to]` in seconds; an open pause ends at the series' end. */
  readonly pauses: Array<readonly [number, number]>;
  /** Step changes (a new weight while progressing). */
  readonly steps: WeightMarker[];
  /** The rollback, if any. */
  readonly rollbacks: WeightMarker[];
}

/**
 * Builds the weight series of a rollout from its `timeline`: one point per transition, held until the next, and a
 * last point at `endMs` (now) so that the current weight (0 after a rollback) shows as a flat line up to the
 * present. Pauses become spans, rollbacks and steps markers.
 */
export function weightSeries(timeline: readonly TimelineEntry[], endMs: number): WeightSeries {
  const entries = [...timeline]
    .map((entry) => ({ entry, t: Date.parse(entry.at) / 1000 }))
    .filter(({ t }) => Number.isFinite(t))
    .sort((a, b) => a.t - b.t);
  const xs: number[] = [];
  const weights: number[] = [];
  const pauses: Array<readonly [number, number]> = [];
  const steps: WeightMarker[] = [];
  const rollbacks: WeightMarker[] = [];
  let pausedSince: number | undefined;
  let previousWeight: number | undefined;

  for (const { entry, t } of entries) {
    const marker = { t, actor: entry.actor, reason: entry.reason };
    if (entry.to === 'Paused' && pausedSince === undefined) pausedSince = t;
    if (entry.to !== 'Paused' && pausedSince !== undefined) {
      pauses.push([pausedSince, t]);
      pausedSince = undefined;
    }
    if (entry.to === 'RolledBack') rollbacks.push(marker);
    else if (entry.to === 'Progressing' && previousWeight !== undefined && entry.weight !== previousWeight) {
      steps.push(marker);
    }
    // Two transitions in the same second: the later one wins, so that the step line does not go backwards.
    if (xs.length > 0 && xs[xs.length - 1] === t) {
      weights[weights.length - 1] = entry.weight;
    } else {
      xs.push(t);
      weights.push(entry.weight);
    }
    previousWeight = entry.weight;
  }

  const last = entries[entries.length - 1];
  const ended = last !== undefined && (last.entry.to === 'RolledBack' || last.entry.to === 'Completed');
  const end = Math.max(endMs / 1000, last?.t ?? 0);
  if (last !== undefined && end > last.t) {
    xs.push(end);
    weights.push(last.entry.weight);
  }
  if (pausedSince !== undefined) pauses.push([pausedSince, ended ? (last?.t ?? end) : end]);
  return { xs, weights, pauses, steps, rollbacks };
}
