import type { AuditEntry, LastDrill } from '@prompt-canary/api-types';
import { stageText } from '@prompt-canary/api-types';
import type { ApiClient } from '../api/api-client.js';
import type { LiveEvents } from '../live-events.js';
import { rolloutHref } from '../route.js';
import { describeDrill, formatAgo, formatStep, formatTimestamp, formatWeight, isTerminal } from './format.js';
import { PhaseBadge, StatusBadge } from './phase-badge.js';
import { useOverview, type WorstCheckCell } from './use-overview.js';

/** Props of {@link OverviewPage}. */
export interface OverviewPageProps {
  client: ApiClient;
  live: LiveEvents;
  nowMs: number;
}

/** A live rollout's worst check: its status badge and metric, the analyzer's line on hover. */
function WorstCheckCellView({ cell }: { cell: WorstCheckCell | undefined }) {
  if (cell === undefined) return <span class="muted">…</span>;
  if ('note' in cell) return <span class="muted">{cell.note}</span>;
  if (cell.worst === null) return <span class="muted">no checks</span>;
  return (
    <span class="worst-check" title={cell.worst.reason}>
      <StatusBadge status={cell.worst.status} /> {cell.worst.name}
    </span>
  );
}

/** A pack's newest audit entry: when, who, what and why. */
function LastChangeView({ entry, nowMs }: { entry: AuditEntry | undefined; nowMs: number }) {
  if (entry === undefined) return <span class="muted">—</span>;
  return (
    <span class="last-change" title={formatTimestamp(entry.at)}>
      {formatAgo(entry.at, nowMs)} · {entry.actor} <code>{entry.action}</code>
      {entry.reason && <span class="reason"> — {entry.reason}</span>}
    </span>
  );
}

/**
 * Every pack and live rollout at a glance — versions, phase, the weight the split serves, the worst check of the
 * live rollout and the pack's last change with its reason — then every rollout, newest first.
 */
export function OverviewPage({ client, live, nowMs }: OverviewPageProps) {
  const { packs, rollouts, worst, lastChange, error } = useOverview(client, live);

  const byId = new Map((rollouts ?? []).map((r) => [r.id, r]));
  return (
    <main class="overview">
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section>
        <h2>Packs</h2>
        {packs === null ? (
          <p class="muted">Loading…</p>
        ) : packs.length === 0 ? (
          <p class="muted">No packs applied yet.</p>
        ) : (
          <table class="packs">
            <thead>
              <tr>
                <th>Pack</th>
                <th>Stable</th>
                <th>Canary</th>
                <th>Phase</th>
                <th>Weight</th>
                <th>Worst check</th>
                <th>Last change</th>
                <th>Last drill</th>
              </tr>
            </thead>
            <tbody>
              {packs.map((pack) => {
                const live = pack.liveRollout ? byId.get(pack.liveRollout) : undefined;
                return (
                  <tr key={pack.name} data-pack={pack.name}>
                    <td>{live ? <a href={rolloutHref(live.id)}>{pack.name}</a> : pack.name}</td>
                    <td>{pack.stableVersion ?? '—'}</td>
                    <td>{live ? live.canaryVersion : '—'}</td>
                    <td>{live ? <PhaseBadge phase={live.phase} /> : <span class="muted">steady</span>}</td>
                    <td class="num">{live ? formatWeight(live.effectiveWeight) : '—'}</td>
                    <td class="worst">
                      {live ? <WorstCheckCellView cell={worst.get(live.id)} /> : <span class="muted">—</span>}
                    </td>
                    <td>
                      <LastChangeView entry={lastChange.get(pack.name)} nowMs={nowMs} />
                    </td>
                    <td data-last-drill>
                      <LastDrillView drill={pack.lastDrill ?? null} nowMs={nowMs} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>Rollouts</h2>
        {rollouts === null ? (
          <p class="muted">Loading…</p>
        ) : rollouts.length === 0 ? (
          <p class="muted">No rollouts yet.</p>
        ) : (
          <table class="rollouts">
            <thead>
              <tr>
                <th>Pack</th>
                <th>Versions</th>
                <th>Phase</th>
                <th>Weight</th>
                <th>Progress</th>
                <th>Reason</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {rollouts.map((r) => (
                <tr key={r.id} data-rollout={r.id} class={isTerminal(r.phase) ? 'ended' : ''}>
                  <td>
                    <a href={rolloutHref(r.id)}>{r.pack}</a>
                  </td>
                  <td>
                    {r.stableVersion} → <strong>{r.canaryVersion}</strong>
                  </td>
                  <td>
                    <PhaseBadge phase={r.phase} />
                  </td>
                  <td class="num" title={`ramp ${formatWeight(r.weight)}`}>
                    {formatWeight(r.effectiveWeight)}
                  </td>
                  <td data-strategy={r.strategy ?? 'canary'}>
                    {r.strategy === 'blueGreen'
                      ? `blue-green · ${stageText(r)}`
                      : formatStep(r.step, r.steps, r.segment)}
                  </td>
                  <td class="reason">{r.reason}</td>
                  <td>{formatAgo(r.updatedAt, nowMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}

/** A pack's last rollback drill: when and whether it held; overdue (over 30 days) or failed drills stand out. */
function LastDrillView({ drill, nowMs }: { drill: LastDrill | null; nowMs: number }) {
  const { text, warn } = describeDrill(drill, nowMs);
  return <span class={warn ? 'drill warn' : 'drill muted'}>{text}</span>;
}
