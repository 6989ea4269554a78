import type uPlot from 'uplot';
import { TIME_TICK_INCREMENTS, timeTickLabels } from '../views/time-ticks.js';

/**
 * The x axis of every time chart: ticks at whole seconds or rounder, labelled in local time (`HH:MM:SS` or
 * `HH:MM` by spacing, the date where a day starts) instead of uPlot's default, which reads `:31.500` over a few
 * seconds. The labels drawn are also left in the chart's `data-x-ticks` attribute.
 */
export function timeAxis(): uPlot.Axis {
  return {
    incrs: [...TIME_TICK_INCREMENTS],
    // Room for an `HH:MM:SS` label and a gap: uPlot's default 50 px lets them touch.
    space: 80,
    values: (u, splits, _axis, _space, incr) => {
      const labels = timeTickLabels(splits, incr);
      // The canvas holds the only copy of the labels: keep them readable from the DOM too.
      u.root.dataset.xTicks = labels.join(' | ');
      return labels;
    },
    size: 36,
  };
}

/**
 * A time range over the chart's own x values at least `minSeconds` wide, so that a young rollout's chart does not
 * zoom into milliseconds: widened to the right, or on both sides when `centred` (a single look sits in the middle).
 * uPlot's own `min`/`max` are used only without data.
 */
export function atLeast(minSeconds: number, centred = false): uPlot.Range.Function {
  return (u, min, max) => {
    const xs = u.data[0];
    const lo = xs[0] ?? min;
    const hi = xs[xs.length - 1] ?? max;
    const missing = minSeconds - (hi - lo);
    if (missing <= 0) return [lo, hi];
    return centred ? [lo - missing / 2, hi + missing / 2] : [lo, lo + minSeconds];
  };
}
