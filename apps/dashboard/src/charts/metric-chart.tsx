import type { ArmLabels, MetricInfo } from '@prompt-canary/api-types';
import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { directionText, formatMetric } from '../views/format.js';
import { intervalInMetricUnits, type MetricPoint, metricChartData } from '../views/metric-series.js';
import { atLeast, timeAxis } from './time-axis.js';
import { UPlotChart } from './u-plot-chart.js';

const DEFAULT_LABELS: ArmLabels = { stable: 'stable', canary: 'canary' };

const STABLE = '#64748b';
const CANARY = '#ea580c';
const THRESHOLD = '#dc2626';
const BAND = 'rgba(234, 88, 12, 0.16)';

/** Rates stay within 0–100%, with a little room around the data. */
function fractionRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) return [0, 1];
  const pad = Math.max(0.01, (max - min) * 0.1);
  return [Math.max(0, min - pad), Math.min(1, max + pad)];
}

/** What {@link MetricChart} draws. */
export interface MetricChartProps {
  readonly metric: string;
  /** The metric's unit and direction from the analysis's `metricInfo`; values read as plain numbers without it. */
  readonly info?: MetricInfo | undefined;
  readonly points: readonly MetricPoint[];
  /** The arms' names: `before switch` / `after switch` in a blue-green rollback window. Default stable/canary. */
  readonly labels?: ArmLabels;
}

/**
 * One gated metric over the looks the dashboard has seen: stable and canary, the hard limit as a dashed line,
 * and the canary's confidence band (stable plus the always-valid interval of canary − stable) as a shaded area.
 */
export function MetricChart({ metric, info, points, labels = DEFAULT_LABELS }: MetricChartProps) {
  const unit = info?.unit ?? 'number';
  const direction = directionText(info);
  const options = useMemo<Omit<uPlot.Options, 'width'>>(() => {
    const format = (v: number | null | undefined) => formatMetric(v, unit);
    return {
      height: 180,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true, range: atLeast(120, true) },
        y: unit === 'fraction' ? { range: fractionRange } : {},
      },
      axes: [timeAxis(), { values: (_u, values) => values.map(format), size: 90 }],
      series: [
        {},
        { label: labels.stable, stroke: STABLE, width: 2, value: (_u, v) => format(v) },
        { label: labels.canary, stroke: CANARY, width: 2, value: (_u, v) => format(v) },
        {
          label: 'threshold',
          stroke: THRESHOLD,
          width: 1.5,
          dash: [6, 4],
          value: (_u, v) => format(v),
        },
        {
          label: 'band low',
          stroke: 'transparent',
          points: { show: false },
          value: (_u, v) => format(v),
        },
        {
          label: 'band high',
          stroke: 'transparent',
          points: { show: false },
          value: (_u, v) => format(v),
        },
      ],
      bands: [{ series: [5, 4], fill: BAND }],
    };
  }, [unit, labels.stable, labels.canary]);
  const data = useMemo(() => metricChartData(points) as uPlot.AlignedData, [points]);
  return (
    <figure class="metric-chart" data-metric={metric}>
      <figcaption>
        <strong>{metric}</strong>
        {direction && <span class="muted"> ({direction})</span>}
        {!intervalInMetricUnits(metric) && (
          <span class="muted"> (its interval is on the exceedance rate: see the reasons)</span>
        )}
      </figcaption>
      {points.length === 0 ? (
        <p class="muted">Waiting for the first analysis…</p>
      ) : (
        <UPlotChart options={options} data={data} label={`${metric}: ${labels.canary} vs ${labels.stable}`} />
      )}
    </figure>
  );
}
