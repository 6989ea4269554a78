import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { formatWeight } from '../views/format.js';
import type { WeightSeries } from '../views/weight-series.js';
import { UPlotChart } from './u-plot-chart.js';

const WEIGHT = '#2563eb';
const PAUSE = 'rgba(234, 179, 8, 0.22)';
const ROLLBACK = '#dc2626';
const STEP = 'rgba(37, 99, 235, 0.35)';

function verticalLine(u: uPlot, t: number, color: string, dash: number[]): void {
  const x = Math.round(u.valToPos(t, 'x', true));
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * uPlot.pxRatio;
  ctx.setLineDash(dash.map((d) => d * uPlot.pxRatio));
  ctx.beginPath();
  ctx.moveTo(x, bbox.top);
  ctx.lineTo(x, bbox.top + bbox.height);
  ctx.stroke();
  ctx.restore();
}

/**
 * The canary weight over time as a stepped line: pauses shaded, each step change a faint mark, a rollback a red
 * line. The marks are drawn through uPlot's draw hooks, on its own canvas.
 */
export function WeightChart({ series }: { series: WeightSeries }) {
  const marks = JSON.stringify([series.pauses, series.rollbacks, series.steps]);
  // Rebuilt when the marks' content changes (not on every new series object): the hooks read them from `series`.
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 200,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [{}, { values: (_u, values) => values.map((v) => formatWeight(v)), size: 56 }],
      series: [
        {},
        {
          label: 'weight',
          stroke: WEIGHT,
          width: 2,
          fill: 'rgba(37, 99, 235, 0.10)',
          paths: uPlot.paths.stepped?.({ align: 1 }),
          points: { show: false },
        },
      ],
      hooks: {
        drawClear: [
          (u) => {
            const { ctx, bbox } = u;
            ctx.save();
            ctx.fillStyle = PAUSE;
            for (const [from, to] of series.pauses) {
              const x0 = u.valToPos(from, 'x', true);
              const x1 = u.valToPos(to, 'x', true);
              ctx.fillRect(x0, bbox.top, Math.max(2, x1 - x0), bbox.height);
            }
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            for (const step of series.steps) verticalLine(u, step.t, STEP, [2, 3]);
            for (const rollback of series.rollbacks) verticalLine(u, rollback.t, ROLLBACK, []);
          },
        ],
      },
    }),
    [marks],
  );
  const data = useMemo<uPlot.AlignedData>(() => [series.xs, series.weights], [series]);
  if (series.xs.length === 0) return <p class="muted">No transitions yet.</p>;
  return (
    <figure class="weight-chart">
      <UPlotChart options={options} data={data} label="Canary weight over time" />
      <figcaption>
        <span class="key key-weight">weight</span>
        <span class="key key-pause">paused</span>
        <span class="key key-step">step</span>
        <span class="key key-rollback">rollback</span>
      </figcaption>
    </figure>
  );
}
