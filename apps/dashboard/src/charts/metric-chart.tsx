import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { formatMetric } from '../views/format.js';
import { intervalInMetricUnits, type MetricPoint, metricChartData } from '../views/metric-series.js';
import { UPlotChart } from './u-plot-chart.js';

const STABLE = '#64748b';
const CANARY = '#ea580c';
const THRESHOLD = '#dc2626';
const BAND = 'rgba(234, 88, 12, 0.16)';

/**
 * One gated metric over the looks the dashboard has seen: stable and canary, the hard limit as a dashed line,
 * and the canary's confidence band (stable plus the always-valid interval of canary − stable) as a shaded area.
 */
export function MetricChart({ metric, points }: { metric: string; points: readonly MetricPoint[] }) {
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 180,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, values) => values.map((v) => formatMetric(metric, v)), size: 72 }],
      series: [
        {},
        { label: 'stable', stroke: STABLE, width: 2, value: (_u, v) => formatMetric(metric, v) },
        { label: 'canary', stroke: CANARY, width: 2, value: (_u, v) => formatMetric(metric, v) },
        {
          label: 'threshold',
          stroke: THRESHOLD,
          width: 1.5,
          dash: [6, 4],
          points: { show: false },
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
