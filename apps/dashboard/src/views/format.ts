import {
  type CheckStatus,
  DRILL_MAX_AGE_MS,
  type EvaluationBatchesView,
  formatDuration,
  type LastCheck,
  type LastDrill,
  type MetricInfo,
  type MetricUnit,
  type RolloutAction,
  type RolloutPhase,
  type Scope,
} from '@prompt-canary/api-types';

/**
 * The unit a metric's values are shown in: the daemon's `metricInfo`, or a plain number when the answer has none for
 * the metric (a daemon older than `metricInfo`). The name is not a clue: a custom `refund_rate` may be a count.
 */
export function metricUnit(
  metric: string,
  metricInfo: Readonly<Record<string, MetricInfo>> | undefined,
): MetricUnit {
  return metricInfo?.[metric]?.unit ?? 'number';
}

/** Which way is better for a metric, in words (`higher is better`); empty when `metricInfo` does not say. */
export function directionText(info: MetricInfo | undefined): string {
  return info ? `${info.direction} is better` : '';
}

/** A number with at most `digits` significant digits, without trailing noise (`1234.5` → `1,235`). */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/**
 * A metric value in its unit: `95.1%`, `2,480 ms`, `812 tok`, `$0.00123`, `4.21/5`, `12.5`; `—` when there is
 * no value.
 *
 * @example
 * formatMetric(0.951, 'fraction'); // '95.1%'
 */
export function formatMetric(value: number | null | undefined, unit: MetricUnit): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  switch (unit) {
    case 'fraction':
      return `${formatNumber(value * 100, 3)}%`;
    case 'ms':
      return `${formatNumber(value, 4)} ms`;
    case 'tokens':
      return `${formatNumber(value, 4)} tok`;
    case 'cost':
      return `$${formatNumber(value, 3)}`;
    case 'rating':
      return `${formatNumber(value, 3)}/5`;
    case 'number':
      return formatNumber(value, 4);
  }
}

/** A share of the traffic split (the SRM check's expected and observed canary shares, always fractions). */
export function formatShare(share: number | null | undefined): string {
  return formatMetric(share, 'fraction');
}

/** A weight (0–100) as a percentage. */
export function formatWeight(weight: number): string {
  return `${formatNumber(weight, 4)}%`;
}

/** How long ago `at` was, seen from `nowMs`: `just now`, `5m ago`, `1h 5m ago`. */
export function formatAgo(at: string, nowMs: number): string {
  const ms = nowMs - Date.parse(at);
  if (!Number.isFinite(ms)) return at;
  if (ms < 5_000) return 'just now';
  return `${formatDuration(ms)} ago`;
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS` in UTC (the daemon's clock and schedule windows are UTC). */
export function formatTimestamp(at: string): string {
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) return at;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Step progress as people say it: `step 2/10`, or the segment phase's name. */
export function formatStep(step: number, steps: number | undefined, segment?: string | null): string {
  if (segment) return `segment ${segment}`;
  if (step <= 0) return '—';
  return steps ? `step ${step}/${steps}` : `step ${step}`;
}

/** Whether a token's scopes allow rollout actions (`operate`, or `admin`, which grants everything). */
export function canOperate(scopes: readonly Scope[]): boolean {
  return scopes.includes('operate') || scopes.includes('admin');
}

/** The actions that make sense in a phase; none once a rollout has ended. */
export function actionsFor(phase: RolloutPhase): RolloutAction[] {
  switch (phase) {
    case 'Progressing':
      return ['pause', 'promote', 'rollback'];
    case 'Paused':
      return ['resume', 'promote', 'rollback'];
    default:
      return [];
  }
}

/** Whether a phase is final. */
export function isTerminal(phase: RolloutPhase): boolean {
  return phase === 'Completed' || phase === 'RolledBack';
}

const SEVERITY: Record<CheckStatus, number> = { OK: 0, Improved: 1, Inconclusive: 2, Watch: 3, Degraded: 4 };

/**
 * The status one table row shows for a metric with several checks (a hard limit and a comparison): the most
 * severe, and `Improved` over a plain `OK`.
 */
export function worstStatus(statuses: readonly CheckStatus[]): CheckStatus {
  let worst: CheckStatus = 'Inconclusive';
  let rank = -1;
  for (const status of statuses) {
    if (SEVERITY[status] > rank) {
      worst = status;
      rank = SEVERITY[status];
    }
  }
  return worst;
}

/**
 * The controller's latest look in one line: when, what it decided and why, and the metrics on their way to a
 * rollback (`latency_p99 1/2 failed looks`).
 */
export function describeLastCheck(
  check: LastCheck,
  failureThreshold: number | undefined,
  nowMs: number,
): string {
  const failing = Object.entries(check.failures)
    .filter(([, n]) => n > 0)
    .map(([metric, n]) => `${metric} ${n}${failureThreshold ? `/${failureThreshold}` : ''} failed looks`);
  const head = `${formatAgo(check.at, nowMs)}: ${check.decision.kind} — ${check.decision.reason}`;
  const described = failing.length > 0 ? `${head} (${failing.join(', ')})` : head;
  // A look whose analysis threw counts as no data; say why, or the on-call person sees only "hold".
  return check.error === undefined ? described : `${described}; the look failed: ${check.error}`;
}

/**
 * The evaluation hook's batches in one line, `4 batches sent · 3 scored · 1 late · 0 pending · last 2m ago`, and
 * whether any is late (a finding the page marks).
 */
export function describeEvaluation(
  evaluation: EvaluationBatchesView,
  nowMs: number,
): { text: string; late: boolean } {
  const last =
    evaluation.lastSentAt === null ? 'none sent yet' : `last ${formatAgo(evaluation.lastSentAt, nowMs)}`;
  const batches = evaluation.sent === 1 ? 'batch' : 'batches';
  return {
    text: `${evaluation.sent} ${batches} sent · ${evaluation.scored} scored · ${evaluation.late} late · ${evaluation.pending} pending · ${last}`,
    late: evaluation.late > 0,
  };
}

/**
 * A pack's last rollback drill in a few words (`3d ago: held`, `2h ago: failed (applied)`, `never`) and whether it
 * needs attention: it failed, or it is more than 30 days old.
 */
export function describeDrill(drill: LastDrill | null, nowMs: number): { text: string; warn: boolean } {
  if (drill === null) return { text: 'never', warn: false };
  const failed = drill.steps.filter((step) => !step.ok).map((step) => step.name);
  const overdue = nowMs - Date.parse(drill.at) > DRILL_MAX_AGE_MS;
  const outcome = drill.ok ? 'held' : `failed (${failed.join(', ')})`;
  return {
    text: `${formatAgo(drill.at, nowMs)}: ${outcome}${overdue ? ' — over 30 days old, drill again' : ''}`,
    warn: overdue || !drill.ok,
  };
}
