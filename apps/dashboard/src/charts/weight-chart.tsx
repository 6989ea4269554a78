import { useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatWeight } from '../views/format.js';
import { clockText } from '../views/time-ticks.js';
import type { WeightSeries } from '../views/weight-series.js';
import { atLeast, timeAxis } from './time-axis.js';
import { UPlotChart } from './u-plot-chart.js';

const WEIGHT = '#2563eb';
const RAMP = 'rgba(37, 99, 235, 0.45)';
const PAUSE = 'rgba(234, 179, 8, 0.22)';
const WINDOW = 'rgba(22, 163, 74, 0.12)';
const WINDOW_TEXT = '#166534';
const ROLLBACK = '#dc2626';
const MOVE = '#ea580c';
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

/** A downward triangle at the top of the plot: sessions went back to stable here. */
function moveMark(u: uPlot, t: number): void {
  const x = u.valToPos(t, 'x', true);
  const { ctx, bbox } = u;
  const r = 6 * uPlot.pxRatio;
  ctx.save();
  ctx.fillStyle = MOVE;
  ctx.beginPath();
  ctx.moveTo(x - r, bbox.top);
  ctx.lineTo(x + r, bbox.top);
  ctx.lineTo(x, bbox.top + r * 1.4);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

/** A span of the plot shaded from `from` to `to` (seconds). */
function shade(u: uPlot, from: number, to: number, color: string): [number, number] {
  const x0 = u.valToPos(from, 'x', true);
  const x1 = u.valToPos(to, 'x', true);
  u.ctx.fillStyle = color;
  u.ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
  return [x0, x1];
}

/**
 * The canary weight over time as a stepped line — what the split served, schedule windows applied — with the
 * ramp's own weight dashed where a window overrides it; schedule windows shaded green and labelled with their
 * effect, pauses shaded yellow, each step change a faint mark, every moment sessions went back to stable an orange
 * mark (a rollback a red line). Below, the same windows and session moves as text, local times.
 */
export function WeightChart({ series }: { series: WeightSeries }) {
  const overridden = series.effective.some((w, i) => w !== series.weights[i]);
  // The draw hooks read the marks from here, so a new series only redraws (through `setData`) instead of
  // rebuilding the chart every second while a window or a pause is open.
  const latest = useRef(series);
  latest.current = series;
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 220,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: atLeast(60) }, y: { range: [0, 100] } },
      axes: [timeAxis(), { values: (_u, values) => values.map((v) => formatWeight(v)), size: 56 }],
      series: [
        {},
        {
          label: 'served',
          stroke: WEIGHT,
          width: 2,
          fill: 'rgba(37, 99, 235, 0.10)',
          paths: uPlot.paths.stepped?.({ align: 1 }),
          points: { show: false },
        },
        {
          label: 'ramp',
          show: overridden,
          stroke: RAMP,
          width: 1.5,
          dash: [5, 4],
          paths: uPlot.paths.stepped?.({ align: 1 }),
          points: { show: false },
        },
      ],
      hooks: {
        drawClear: [
          (u) => {
            const { ctx, bbox } = u;
            ctx.save();
            ctx.font = `${11 * uPlot.pxRatio}px system-ui, sans-serif`;
            ctx.textBaseline = 'top';
            const { windows, pauses } = latest.current;
            for (const window of windows) {
              const [x0] = shade(u, window.from, window.to, WINDOW);
              ctx.fillStyle = WINDOW_TEXT;
              ctx.fillText(`window ${window.effect}`, x0 + 4 * uPlot.pxRatio, bbox.top + 4 * uPlot.pxRatio);
            }
            for (const [from, to] of pauses) shade(u, from, to, PAUSE);
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            const { steps, moves, rollbacks } = latest.current;
            for (const step of steps) verticalLine(u, step.t, STEP, [2, 3]);
            for (const move of moves) verticalLine(u, move.t, MOVE, [4, 3]);
            for (const rollback of rollbacks) verticalLine(u, rollback.t, ROLLBACK, []);
            for (const move of moves) moveMark(u, move.t);
          },
        ],
      },
    }),
    [overridden],
  );
  const data = useMemo<uPlot.AlignedData>(() => [series.xs, series.effective, series.weights], [series]);
  if (series.xs.length === 0) return <p class="muted">No transitions yet.</p>;
  return (
    <figure class="weight-chart">
      <UPlotChart options={options} data={data} label="Canary weight over time" />
      <figcaption>
        <span class="key key-weight">served weight</span>
        {overridden && <span class="key key-ramp">ramp</span>}
        <span class="key key-window">schedule window</span>
        <span class="key key-pause">paused</span>
        <span class="key key-step">step</span>
        <span class="key key-move">sessions back to stable</span>
        <span class="key key-rollback">rollback</span>
      </figcaption>
      {series.windows.length > 0 && (
        <ul class="schedule-windows small">
          {series.windows.map((w) => (
            <li key={`${w.daily}-${w.from}`}>
              window <code>{w.daily}</code> UTC open {clockText(w.from * 1000, true)}–
              {clockText(w.to * 1000, true)}: {w.effect}
            </li>
          ))}
        </ul>
      )}
      {series.moves.length > 0 && (
        <ul class="session-moves small">
          {series.moves.map((m) => (
            <li key={m.t} data-t={m.t}>
              {clockText(m.t * 1000, true)} sessions back to stable: {formatWeight(m.from)} →{' '}
              {formatWeight(m.to)} — {m.cause}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
