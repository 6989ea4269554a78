import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { formatMetric, metricUnit } from '../views/format.js';
import { intervalInMetricUnits, type MetricPoint, metricChartData } from '../views/metric-series.js';
import { UPlotChart } from './u-plot-chart.js';

const STABLE = '#64748b';
const CANARY = '#ea580c';
const THRESHOLD = '#dc2626';
const BAND = 'rgba(234, 88, 12, 0.16)';

/** The time span of the looks; a single look gets a minute either side rather than uPlot's default day. */
function xRange(u: uPlot, min: number, max: number): uPlot.Range.MinMax {
  const xs = u.data[0];
  const only = xs.length === 1 ? xs[0] : undefined;
  return only === undefined ? [min, max] : [only - 60, only + 60];
}

/** Rates stay within 0–100%, with a little room around the data. */
function fractionRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) return [0, 1];
  const pad = Math.max(0.01, (max - min) * 0.1);
  return [Math.max(0, min - pad), Math.min(1, max + pad)];
}

/**
 * One gated metric over the looks the dashboard has seen: stable and canary, the hard limit as a dashed line,
 * and the canary's confidence band (stable plus the always-valid interval of canary − stable) as a shaded area.
 */
export function MetricChart({ metric, points }: { metric: string; points: readonly MetricPoint[] }) {
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 180,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: xRange },
        y: metricUnit(metric) === 'fraction' ? { range: fractionRange } : {},
      },
      axes: [{}, { values: (_u, values) => values.map((v) => formatMetric(metric, v)), size: 90 }],
      series: [
        {},
        { label: 'stable', stroke: STABLE, width: 2, value: (_u, v) => formatMetric(metric, v) },
        { label: 'canary', stroke: CANARY, width: 2, value: (_u, v) => formatMetric(metric, v) },
        {
          label: 'threshold',
          stroke: THRESHOLD,
          width: 1.5,
          dash: [6, 4],
          value: (_u, v) => formatMetric(metric, v),
        },
        {
          label: 'band low',
          stroke: 'transparent',
          points: { show: false },
          value: (_u, v) => formatMetric(metric, v),
        },
        {
          label: 'band high',
          stroke: 'transparent',
          points: { show: false },
          value: (_u, v) => formatMetric(metric, v),
        },
      ],
      bands: [{ series: [5, 4], fill: BAND }],
    }),
    [metric],
  );
  const data = useMemo(() => metricChartData(points) as uPlot.AlignedData, [points]);
  return (
    <figure class="metric-chart" data-metric={metric}>
      <figcaption>
        <strong>{metric}</strong>
        {!intervalInMetricUnits(metric) && (
          <span class="muted"> (its interval is on the exceedance rate: see the reasons)</span>
        )}
      </figcaption>
      {points.length === 0 ? (
        <p class="muted">Waiting for the first analysis…</p>
      ) : (
        <UPlotChart options={options} data={data} label={`${metric}: canary vs stable`} />
      )}
    </figure>
  );
}
