import type { PackView, RolloutView } from '@prompt-canary/api-types';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api/api-client.js';
import type { LiveEvents } from '../live-events.js';
import { rolloutHref } from '../route.js';
import { formatAgo, formatStep, formatWeight, isTerminal } from './format.js';
import { PhaseBadge } from './phase-badge.js';

/** Props of {@link OverviewPage}. */
export interface OverviewPageProps {
  client: ApiClient;
  live: LiveEvents;
  nowMs: number;
}

/** Packs and rollouts at a glance: which versions are live, in which phase, at which weight. */
export function OverviewPage({ client, live, nowMs }: OverviewPageProps) {
  const [packs, setPacks] = useState<PackView[] | null>(null);
  const [rollouts, setRollouts] = useState<RolloutView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [p, r] = await Promise.all([client.packs(), client.rollouts()]);
      setPacks(p);
      setRollouts(r);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [client]);

  useEffect(() => {
    void load();
    let pending: ReturnType<typeof setTimeout> | undefined;
    // A burst of events (an apply, a step) reloads once.
    const stop = live.subscribe(() => {
      clearTimeout(pending);
      pending = setTimeout(() => void load(), 150);
    });
    return () => {
      stop();
      clearTimeout(pending);
    };
  }, [load, live]);

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
                <th>Updated</th>
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
                    <td>{formatAgo(pack.updatedAt, nowMs)}</td>
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
                  <td>{formatStep(r.step, r.steps, r.segment)}</td>
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
