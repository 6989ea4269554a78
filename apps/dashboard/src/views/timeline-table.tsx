import { formatTimestamp, formatWeight } from './format.js';
import { PhaseBadge } from './phase-badge.js';
import { clockText } from './time-ticks.js';
import type { TimelineRow } from './timeline-rows.js';

/**
 * The rollout's timeline, oldest first: when (local time, the exact UTC time on hover), what changed, the weight
 * served from then on — `50% → 10%` in orange where sessions went back to stable — who, and why.
 */
export function TimelineTable({ rows }: { rows: readonly TimelineRow[] }) {
  if (rows.length === 0) return <p class="muted">No transitions yet.</p>;
  return (
    <table class="timeline">
      <thead>
        <tr>
          <th>When</th>
          <th>Change</th>
          <th class="num">Served</th>
          <th>By</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.t}-${row.change}`} class={row.phase === null ? 'schedule' : ''}>
            <td title={formatTimestamp(row.at)}>{clockText(row.t * 1000, true)}</td>
            <td>
              {row.change}
              {row.phase !== null && row.change === 'started' && (
                <>
                  {' '}
                  <PhaseBadge phase={row.phase} />
                </>
              )}
            </td>
            <td
              class={row.movedFrom === null ? 'num' : 'num move'}
              title={
                row.movedFrom === null || row.served === null
                  ? undefined
                  : `sessions above ${formatWeight(row.served)} went back to stable`
              }
            >
              {row.served === null
                ? '—'
                : row.movedFrom === null
                  ? formatWeight(row.served)
                  : `${formatWeight(row.movedFrom)} → ${formatWeight(row.served)}`}
            </td>
            <td>{row.actor}</td>
            <td class="reason">{row.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
