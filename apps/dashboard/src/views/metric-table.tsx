import type { Analysis } from '@prompt-canary/api-types';
import { formatMetric } from './format.js';
import { metricRows } from './metric-series.js';
import { StatusBadge } from './phase-badge.js';

/** The side-by-side table `Metric | stable | canary | Status`, one row per gated metric. */
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
        {rows.map((row) => (
          <tr key={row.metric} data-metric={row.metric}>
            <td>
              {row.metric}
              {row.threshold !== null && (
                <span class="muted small"> limit {formatMetric(row.metric, row.threshold)}</span>
              )}
            </td>
            <td class="num" title={row.n ? `n = ${row.n.stable}` : undefined}>
              {formatMetric(row.metric, row.stable)}
            </td>
            <td class="num" title={row.n ? `n = ${row.n.canary}` : undefined}>
              {formatMetric(row.metric, row.canary)}
            </td>
            <td>
              <StatusBadge status={row.status} />
            </td>
          </tr>
        ))}
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
            ` — expected canary share ${formatMetric('share_rate', analysis.srm.expectedShare)}, observed ${formatMetric('share_rate', analysis.srm.observedShare)}`}
        </li>
      )}
    </ul>
  );
}
