import type { RolloutPlanView, ScheduleWindowView, TimelineEntry } from '@prompt-canary/api-types';
import { openSpans, windowEffectText } from './schedule-spans.js';

/** A marked moment on the weight chart. */
export interface WeightMarker {
  /** Seconds since the epoch (uPlot's time axis). */
  readonly t: number;
  readonly actor: string;
  readonly reason: string;
}

/** A span during which a schedule window was open while the rollout was live. */
export interface ScheduleSpan {
  /** Seconds since the epoch. */
  readonly from: number;
  readonly to: number;
  /** The window as the pack writes it, e.g. `02:00-06:00`. */
  readonly daily: string;
  /** What it does while open: `50%` or `cap 30%`. */
  readonly effect: string;
  /** Whether it opened at `from` (rather than being open already when the rollout started). */
  readonly opened: boolean;
  /** Whether it closed at `to` (rather than being open still, or when the rollout ended). */
  readonly closed: boolean;
}

/**
 * A moment the canary weight the split serves went down: the units above the new weight went back to stable, the
 * one time a session changes version.
 */
export interface SessionMove {
  /** Seconds since the epoch. */
  readonly t: number;
  /** The weight served before and after (0–100). */
  readonly from: number;
  readonly to: number;
  /** Why: the transition's reason, or the schedule window that opened or closed. */
  readonly cause: string;
}

/** The weight over time of one rollout, ready for a stepped chart. */
export interface WeightSeries {
  /** Seconds since the epoch, ascending. */
  readonly xs: number[];
  /** The ramp weight (0–100) from each x until the next. */
  readonly weights: number[];
  /** The weight the split served (0–100) from each x until the next: the ramp's, with schedule windows applied. */
  readonly effective: number[];
  /** Spans of time spent paused, `[from, to]` in seconds; an open pause ends at the series' end. */
  readonly pauses: Array<readonly [number, number]>;
  /** Step changes (a new weight while progressing). */
  readonly steps: WeightMarker[];
  /** The rollback, if any. */
  readonly rollbacks: WeightMarker[];
  /** Schedule windows open while the rollout was live, in time order. */
  readonly windows: ScheduleSpan[];
  /** Every decrease of the served weight, in time order. */
  readonly moves: SessionMove[];
}

/** What the timeline says at one moment. */
interface State {
  readonly entry: TimelineEntry;
  /** Whether the ramp ran then (past the segment phases), so that schedule windows applied. */
  readonly inRamp: boolean;
}

/**
 * Marks which entries ran during the ramp. Each entry that moves the rollout on (into `Progressing` from
 * `Progressing`, or at a new weight) leaves one stage, so after as many of them as the plan has segment phases
 * the ramp runs. The timeline does not name stages; this reading is exact unless a promotion out of a pause keeps
 * the weight, which no plan the daemon builds does between a segment phase and the next stage at another weight.
 */
function statesOf(
  entries: ReadonlyArray<{ entry: TimelineEntry; t: number }>,
  segmentPhases: number,
): State[] {
  let advances = 0;
  let previous: TimelineEntry | undefined;
  return entries.map(({ entry }) => {
    if (
      previous !== undefined &&
      entry.to === 'Progressing' &&
      (entry.from === 'Progressing' || entry.weight !== previous.weight)
    ) {
      advances += 1;
    }
    previous = entry;
    return { entry, inRamp: advances >= segmentPhases };
  });
}

/** The weight the split serves in a state with `open` the first open window, as the daemon computes it. */
function servedWeight(state: State, open: ScheduleWindowView | undefined): number {
  const { entry } = state;
  if (entry.to === 'RolledBack') return 0;
  if (entry.to === 'Completed') return 100;
  if (!state.inRamp || entry.weight >= 100 || open === undefined) return entry.weight;
  return open.canaryWeight ?? Math.min(entry.weight, open.capWeight ?? entry.weight);
}

/**
 * Builds the weight series of a rollout from its `timeline` and its plan's schedule windows: one point per
 * transition and per window opening or closing, held until the next, and a last point at `endMs` (now) so that the
 * current weight (0 after a rollback) shows as a flat line up to the present. Pauses become spans, rollbacks and
 * steps markers; every drop of the served weight is a session move.
 */
export function weightSeries(
  timeline: readonly TimelineEntry[],
  endMs: number,
  plan?: Pick<RolloutPlanView, 'segmentPhases' | 'windows'>,
): WeightSeries {
  const entries = [...timeline]
    .map((entry) => ({ entry, t: Date.parse(entry.at) / 1000 }))
    .filter(({ t }) => Number.isFinite(t))
    .sort((a, b) => a.t - b.t);
  const states = statesOf(entries, plan?.segmentPhases.length ?? 0);
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
    previousWeight = entry.weight;
  }

  const first = entries[0];
  const last = entries[entries.length - 1];
  const ended = last !== undefined && (last.entry.to === 'RolledBack' || last.entry.to === 'Completed');
  const end = Math.max(endMs / 1000, last?.t ?? 0);
  if (pausedSince !== undefined) pauses.push([pausedSince, ended ? (last?.t ?? end) : end]);

  // Windows matter only while the rollout is live: from its start to its end (or now).
  const liveUntil = ended ? (last?.t ?? end) : end;
  const planned = plan?.windows ?? [];
  const spansByWindow = first
    ? planned.map((w) =>
        openSpans(w, first.t * 1000, liveUntil * 1000).map(([a, b]) => [a / 1000, b / 1000] as const),
      )
    : [];
  const windows: ScheduleSpan[] = spansByWindow
    .flatMap((spans, i) =>
      spans.map(([from, to]) => ({
        from,
        to,
        daily: planned[i]?.daily ?? '',
        effect: windowEffectText(planned[i] ?? {}),
        opened: from > (first?.t ?? from),
        closed: to < liveUntil,
      })),
    )
    .sort((a, b) => a.from - b.from);
  const openAt = (t: number): number =>
    spansByWindow.findIndex((spans) => spans.some(([from, to]) => from <= t && t < to));

  const cuts = [
    ...new Set([
      ...entries.map((e) => e.t),
      ...windows.flatMap((w) => [w.from, w.to]),
      ...(last ? [end] : []),
    ]),
  ].sort((a, b) => a - b);
  const xs: number[] = [];
  const weights: number[] = [];
  const effective: number[] = [];
  const moves: SessionMove[] = [];
  let index = -1;
  for (const t of cuts) {
    while (index + 1 < entries.length && (entries[index + 1]?.t ?? Number.POSITIVE_INFINITY) <= t) index += 1;
    const state = states[index];
    if (state === undefined) continue;
    const open = openAt(t);
    const served = servedWeight(state, planned[open]);
    const before = effective[effective.length - 1];
    if (before !== undefined && served < before) {
      const atTransition = entries[index]?.t === t;
      const was = openAt(xs[xs.length - 1] ?? t);
      const cause = atTransition
        ? state.entry.to === 'RolledBack'
          ? `rolled back: ${state.entry.reason}`
          : state.entry.reason
        : was >= 0 && was !== open
          ? `window ${planned[was]?.daily} closed`
          : `window ${planned[open]?.daily} opened (${windowEffectText(planned[open] ?? {})})`;
      moves.push({ t, from: before, to: served, cause });
    }
    xs.push(t);
    weights.push(state.entry.weight);
    effective.push(served);
  }
  return { xs, weights, effective, pauses, steps, rollbacks, windows, moves };
}
