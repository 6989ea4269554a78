import type { Analysis } from '@prompt-canary/api-types';
import { directionText, formatMetric, formatShare, metricUnit } from './format.js';
import { metricRows } from './metric-series.js';
import { StatusBadge } from './phase-badge.js';

/**
 * The side-by-side table `Metric | stable | canary | Status`, one row per gated metric, each value in the unit the
 * analysis's `metricInfo` gives (a plain number where it gives none).
 */
export function MetricTable({ analysis }: { analysis: Analysis }) {
  const rows = metricRows(analysis);
  if (rows.length === 0) return <p class="muted">No gated metrics.</p>;
  return (
    <table class="metric-table">
      <thead>
        <tr>
          <th>Metric</th>
          <th>stable {analysis.arms.stable.version}</th>
          <th>canary {analysis.arms.canary.version}</th>
          <th>Status</th>
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
                {row.threshold !== null && (
                  <span class="muted small"> limit {formatMetric(row.threshold, unit)}</span>
                )}
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
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Every check's reason, as the analyzer wrote it, and the traffic-split check. */
export function AnalysisReasons({ analysis }: { analysis: Analysis }) {
  return (
    <ul class="reasons">
      {analysis.checks.map((check) => (
        <li key={`${check.metric}-${check.kind}`} class={`result-${check.result}`}>
          <strong>
            {check.metric} ({check.kind})
          </strong>
          : {check.result} — {check.reason}
        </li>
      ))}
      {analysis.srm && (
        <li class={`result-${analysis.srm.result}`}>
          <strong>traffic split</strong>: {analysis.srm.result}
          {typeof analysis.srm.observedShare === 'number' &&
            ` — expected canary share ${formatShare(analysis.srm.expectedShare)}, observed ${formatShare(analysis.srm.observedShare)}`}
        </li>
      )}
    </ul>
  );
}
