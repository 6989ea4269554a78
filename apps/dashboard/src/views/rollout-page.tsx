import {
  armLabels,
  type EvaluationBatchesView,
  metricKeyOf,
  type RolloutAction,
  type Whoami,
} from '@prompt-canary/api-types';
import { useMemo, useState } from 'preact/hooks';
import type { ApiClient } from '../api/api-client.js';
import { MetricChart } from '../charts/metric-chart.js';
import { WeightChart } from '../charts/weight-chart.js';
import type { LiveEvents } from '../live-events.js';
import { ActionDialog, actionLabel } from './action-dialog.js';
import { AuditLog } from './audit-log.js';
import { ContentDiff, useContentDiff } from './content-diff-view.js';
import { actionsFor, canOperate, describeEvaluation, describeLastCheck } from './format.js';
import { AnalysisReasons, MetricTable } from './metric-table.js';
import { PhaseBadge } from './phase-badge.js';
import { RolloutFacts } from './rollout-facts.js';
import { timelineRows } from './timeline-rows.js';
import { TimelineTable } from './timeline-table.js';
import { useRollout } from './use-rollout.js';
import { weightSeries } from './weight-series.js';

/** Props of {@link RolloutPage}. */
export interface RolloutPageProps {
  client: ApiClient;
  id: string;
  me: Whoami;
  live: LiveEvents;
  nowMs: number;
}

/**
 * One rollout: where it is (its strategy and stage, with when the stage ends), the weight over time, each gated
 * metric canary vs stable (before vs after the switch in a blue-green rollback window), the full metric table and
 * its reasons, the timeline with reasons, the audit log, and (for an `operate` token) the actions, each asking
 * for a reason.
 */
export function RolloutPage({ client, id, me, live, nowMs }: RolloutPageProps) {
  const state = useRollout(client, id, live);
  const [pending, setPending] = useState<RolloutAction | null>(null);
  const { detail, analysis, history } = state;
  const content = useContentDiff(
    client,
    detail?.pack ?? '',
    detail?.stableVersion ?? '',
    detail?.canaryVersion ?? '',
  );

  const weights = useMemo(() => weightSeries(detail?.timeline ?? [], nowMs, detail?.plan), [detail, nowMs]);
  const timeline = useMemo(() => timelineRows(detail?.timeline ?? [], weights), [detail, weights]);
  const metrics = useMemo(() => {
    const names = (detail?.spec.analysis?.metrics ?? []).map(metricKeyOf);
    return [...new Set([...names, ...history.keys()])];
  }, [detail, history]);

  if (!detail) {
    return (
      <main class="rollout">
        <p class={state.error ? 'error' : 'muted'}>{state.error ?? 'Loading…'}</p>
      </main>
    );
  }
  const actions = canOperate(me.scopes) ? actionsFor(detail.phase) : [];

  const act = async (action: RolloutAction, reason: string): Promise<string | null> => {
    try {
      state.setDetail(await client.act(detail.id, action, reason));
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };

  return (
    <main class="rollout" data-rollout={detail.id}>
      <header class="rollout-head">
        <h2>
          {detail.pack} <PhaseBadge phase={detail.phase} />
        </h2>
        <p class="rollout-reason">{detail.reason}</p>
        <RolloutFacts rollout={detail} nowMs={nowMs} />
        {detail.lastCheck && (
          <p class="last-check muted">
            Controller's last look{' '}
            {describeLastCheck(detail.lastCheck, detail.spec.analysis?.failureThreshold, nowMs)}
          </p>
        )}
        {detail.evaluation && <EvaluationLine evaluation={detail.evaluation} nowMs={nowMs} />}
        {actions.length > 0 && (
          <div class="actions">
            {actions.map((action) => (
              <button
                type="button"
                key={action}
                class={`action-${action}`}
                data-action={action}
                onClick={() => setPending(action)}
              >
                {actionLabel(action)}
              </button>
            ))}
          </div>
        )}
        {state.error && (
          <p class="error" role="alert">
            {state.error}
          </p>
        )}
      </header>

      <ContentDiff
        pack={detail.pack}
        from={detail.stableVersion}
        to={detail.canaryVersion}
        lines={content.lines}
        note={content.note}
      />

      <section>
        <h3>Weight over time</h3>
        <WeightChart series={weights} />
      </section>

      <section>
        <h3>Analysis</h3>
        {analysis ? (
          <>
            <MetricTable analysis={analysis} labels={armLabels(detail)} />
            <AnalysisReasons analysis={analysis} />
          </>
        ) : (
          <p class="muted">{state.analysisNote ?? 'Loading…'}</p>
        )}
        <div class="metric-charts">
          {metrics.map((metric) => (
            <MetricChart
              key={metric}
              metric={metric}
              info={analysis?.metricInfo?.[metric]}
              labels={armLabels(detail)}
              points={history.get(metric) ?? []}
            />
          ))}
        </div>
      </section>

      <section>
        <h3>Timeline</h3>
        <TimelineTable rows={timeline} />
      </section>

      <section>
        <h3>Audit log</h3>
        <AuditLog entries={state.audit} nowMs={nowMs} />
      </section>

      {pending && (
        <ActionDialog
          action={pending}
          pack={detail.pack}
          onConfirm={(reason) => act(pending, reason)}
          onClose={() => setPending(null)}
        />
      )}
    </main>
  );
}

/** The evaluation hook's batches (a pack with `analysis.evaluation`); late batches are a finding, marked. */
function EvaluationLine({ evaluation, nowMs }: { evaluation: EvaluationBatchesView; nowMs: number }) {
  const { text, late } = describeEvaluation(evaluation, nowMs);
  return (
    <p class={late ? 'evaluation late' : 'evaluation muted'} data-evaluation>
      Evals on sampled traffic: {text}
      {late && ' — late batches leave the eval metrics without data'}
    </p>
  );
}
