import type { ArmLabels } from '@prompt-canary/api-types';
import { type Analysis, formatDuration } from '@prompt-canary/api-types';
import { directionText, formatMetric, metricUnit } from './format.js';
import { type MetricRow, metricRows, ungatedRows } from './metric-series.js';
import { StatusBadge } from './phase-badge.js';
import {
  checkEvidenceText,
  requestsText,
  srmFiguresText,
  unitsText,
  type WindowedCheck,
  windowLengthText,
  windowRangeText,
} from './samples.js';

const DEFAULT_LABELS: ArmLabels = { stable: 'stable', canary: 'canary' };

/** A hard limit with the span of time it judged: `limit 3,000 ms · last 3m`, the exact times on hover. */
function LimitNote({ row, unit }: { row: MetricRow; unit: ReturnType<typeof metricUnit> }) {
  if (row.threshold === null) return null;
  const window = windowLengthText(row.limitWindow);
  return (
    <span class="muted small">
      {' '}
      limit {formatMetric(row.threshold, unit)}
      {window && (
        <span class="limit-window" title={`judged ${windowRangeText(row.limitWindow)}`}>
          {' '}
          · {window}
        </span>
      )}
    </span>
  );
}

/** The samples behind a row: requests per arm, and distinct units beneath when spans carried a unit. */
function SamplesCell({ row }: { row: MetricRow }) {
  if (!row.n) return <td class="num samples muted">—</td>;
  const units = unitsText(row.nUnits ?? undefined);
  return (
    <td class="num samples">
      <span class="requests">{requestsText(row.n)}</span>
      {units && (
        <span class="units muted small" title="distinct assignment units per arm (an estimate)">
          {units}
        </span>
      )}
    </td>
  );
}

/**
 * What the figures cover: `step 10:00:00–10:05:00 UTC (5m) · comparisons on split traffic since 09:40:00 UTC`
 * (the analysis window, then where the comparisons' data came from; for a before/after comparison, `before/after:
 * since 10:05:00 UTC against 09:05:00–10:05:00 UTC`); `null` without a readable window.
 */
export function analysisWindowText(analysis: Pick<Analysis, 'window' | 'comparisons'>): string | null {
  const range = windowRangeText(analysis.window);
  if (!range) return null;
  const length = formatDuration(Date.parse(analysis.window.to) - Date.parse(analysis.window.from));
  const since = Date.parse(analysis.comparisons?.from ?? '');
  const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)}`;
  const before = analysis.comparisons?.before;
  const [beforeFrom, beforeTo] = [Date.parse(before?.from ?? ''), Date.parse(before?.to ?? '')];
  const comparisons =
    !analysis.comparisons || !Number.isFinite(since)
      ? ''
      : Number.isFinite(beforeFrom) && Number.isFinite(beforeTo)
        ? ` · before/after: since ${clock(since)} UTC against ${clock(beforeFrom)}–${clock(beforeTo)} UTC`
        : ` · comparisons on ${analysis.comparisons.scope} traffic since ${clock(since)} UTC`;
  return `window ${range} (${length})${comparisons}`;
}

/**
 * The side-by-side table `Metric | stable | canary | Status | n (stable / canary)` (the arms named by `labels`:
 * `before switch` / `after switch` in a blue-green rollback window): one row per gated metric, then
 * every other metric with data marked `not gated`, as `canary status` lists them. Each value reads in the unit the
 * analysis's `metricInfo` gives (a plain number where it gives none), its direction on hover. A hard limit names
 * the span of time it judged; the samples read as requests and, when spans carry a unit, as distinct units. The
 * caption says which span of time the figures cover.
 */
export function MetricTable({
  analysis,
  labels = DEFAULT_LABELS,
}: {
  analysis: Analysis;
  labels?: ArmLabels;
}) {
  const rows = metricRows(analysis);
  const ungated = ungatedRows(analysis);
  if (rows.length === 0 && ungated.length === 0) return <p class="muted">No metric data yet.</p>;
  const window = analysisWindowText(analysis);
  return (
    <table class="metric-table">
      {window && <caption class="analysis-window muted small">{window}</caption>}
      <thead>
        <tr>
          <th>Metric</th>
          <th>
            {labels.stable} {analysis.arms.stable.version}
          </th>
          <th>
            {labels.canary} {analysis.arms.canary.version}
          </th>
          <th>Status</th>
          <th class="num">
            n ({labels.stable} / {labels.canary})
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const unit = metricUnit(row.metric, analysis.metricInfo);
          const direction = directionText(analysis.metricInfo?.[row.metric]);
          return (
            <tr key={row.metric} data-metric={row.metric}>
              <td title={direction || undefined}>
                {row.metric}
                <LimitNote row={row} unit={unit} />
              </td>
              <td class="num" title={row.n ? `n = ${row.n.stable}` : undefined}>
                {formatMetric(row.stable, unit)}
              </td>
              <td class="num" title={row.n ? `n = ${row.n.canary}` : undefined}>
                {formatMetric(row.canary, unit)}
              </td>
              <td>
                <StatusBadge status={row.status} />
              </td>
              <SamplesCell row={row} />
            </tr>
          );
        })}
        {ungated.map((row) => {
          const unit = metricUnit(row.metric, analysis.metricInfo);
          const direction = directionText(analysis.metricInfo?.[row.metric]);
          return (
            <tr key={row.metric} data-metric={row.metric} class="not-gated">
              <td title={direction || undefined}>{row.metric}</td>
              <td class="num">{formatMetric(row.stable, unit)}</td>
              <td class="num">{formatMetric(row.canary, unit)}</td>
              <td class="muted">not gated</td>
              <td class="num samples">{requestsText(row.n)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The traffic-split check in one line: `Pass — canary 10% of 2,678 units (expected 10%)`, or its result alone. */
function srmLine(srm: Analysis['srm']): string {
  const figures = srmFiguresText(srm);
  return figures ? `${srm.result} — ${figures}` : srm.result;
}

/**
 * Every check's reason, as the analyzer wrote it (its samples, units and window on hover), and the traffic-split
 * check in units when it counted units, else in requests.
 */
export function AnalysisReasons({ analysis }: { analysis: Analysis }) {
  return (
    <ul class="reasons">
      {analysis.checks.map((check: WindowedCheck) => (
        <li
          key={`${check.metric}-${check.kind}`}
          class={`result-${check.result}`}
          title={checkEvidenceText(check)}
        >
          <strong>
            {check.metric} ({check.kind})
          </strong>
          : {check.result} — {check.reason}
        </li>
      ))}
      {analysis.srm && (
        <li class={`result-${analysis.srm.result}`} data-check="srm">
          <strong>traffic split</strong>: {srmLine(analysis.srm)}
        </li>
      )}
    </ul>
  );
}
