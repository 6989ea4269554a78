/**
 * The rollout state machine: from a rollout, the controller's memory (with the latest look folded in) and the
 * time, decides whether to hold, step up, pause, roll back or complete, and turns that decision into a transition
 * through the same functions operators' actions use. Pure: no clock, no I/O.
 */

import { formatDuration } from '@prompt-canary/api-types';
import { isEvalMetric } from '../packs/analysis-config-of.js';
import type { AnalysisSpec, MetricSpec } from '../packs/prompt-pack.js';
import { inRollbackWindow, stageMinimumMs, stageName, switchedWords } from '../rollouts/rollout-stage.js';
import {
  complete,
  inSegmentPhases,
  isLive,
  type PauseCause,
  pause,
  promote,
  type Rollout,
  rollback,
  type TransitionResult,
} from '../rollouts/rollout-state.js';
import {
  type ControllerMemory,
  failureCounts,
  type MetricVerdict,
  metricVerdicts,
  type RolloutLook,
  stageKey,
} from './controller-memory.js';

/** What the machine decided, with a reason a person can read. */
export type Decision =
  | { readonly kind: 'hold'; readonly reason: string }
  | { readonly kind: 'step'; readonly reason: string }
  | { readonly kind: 'complete'; readonly reason: string }
  | { readonly kind: 'pause'; readonly cause: PauseCause; readonly reason: string; readonly metric?: string }
  | { readonly kind: 'rollback'; readonly reason: string; readonly metric?: string };

/** What the checks alone call for: a rollback or a pause (a dry run records it instead of doing it). */
export type GateDecision = Extract<Decision, { kind: 'rollback' | 'pause' }>;

/** Input of {@link decide}. */
export interface MachineInput {
  readonly rollout: Rollout;
  /** The memory after folding in `look` (see `observe`). */
  readonly memory: ControllerMemory;
  /** The latest look, or `null` before the first one. */
  readonly look: RolloutLook | null;
  readonly nowMs: number;
  /** Rollout durations run this many times faster than wall-clock time. */
  readonly timeScale: number;
}

export { stageMinimumMs, stageName } from '../rollouts/rollout-stage.js';

/**
 * The figures of a check's reason without the metric's name and the sample count:
 * `latency_p99 canary 3,412 ms > 3,000 ms (n=412)` → `3,412 ms > 3,000 ms`.
 */
export function checkFigures(verdict: MetricVerdict): string {
  const reason = verdict.check?.reason ?? '';
  let figures = reason.startsWith(verdict.metric) ? reason.slice(verdict.metric.length) : reason;
  figures = figures
    .replace(/^[:\s]+/, '')
    .replace(/^canary\s+/, '')
    .replace(/\s*\(n=[^)]*\)\s*$/, '')
    .trim();
  return figures;
}

/** `latency_p99 failed 2 consecutive checks (…)`; with `for`, `… checks for 5m (…)`. */
export function failureReason(verdict: MetricVerdict, count: number): string {
  const figures = checkFigures(verdict);
  const checks = count === 1 ? 'check' : 'consecutive checks';
  const held = verdict.spec.forMs === undefined ? '' : ` over ${formatDuration(verdict.spec.forMs)}`;
  return `${verdict.metric} failed ${count} ${checks}${held}${figures === '' ? '' : ` (${figures})`}`;
}

function inconclusiveReason(verdict: MetricVerdict, forMs: number, timeScale: number): string {
  const what = verdict.noData ? 'no canary data' : 'too few samples';
  const detail = verdict.check?.reason === undefined ? '' : `: ${verdict.check.reason}`;
  return `${verdict.metric} has had ${what} for ${formatDuration(forMs * timeScale)}${detail}`;
}

/** The time a look's failures are measured at: the look's own time (a recovery re-decides an older look). */
function lookTime(input: MachineInput): number {
  return input.look?.at ?? input.nowMs;
}

/**
 * What the checks alone call for, or `null`: a metric whose failure counts (`failureThreshold` consecutive looks
 * and, with `for`, failing at every look that long) rolls back (or pauses, for `onFail: pause`; `notify` metrics
 * never act); an assignment mismatch (an app instance serving other than the split assigns) pauses, and so does a
 * sample-ratio mismatch; a gated metric inconclusive for `maxInconclusive` pauses (`NoData` or
 * `Inconclusive`). A rollback comes first; pauses only for a rollout that is not paused already.
 */
export function gateDecision(input: MachineInput): GateDecision | null {
  const { rollout, memory, look, nowMs, timeScale } = input;
  if (!isLive(rollout)) return null;
  const { analysis } = rollout.spec;
  const currentLook = look !== null && look.stage === stageKey(rollout) ? look : null;
  const verdicts = look === null ? [] : metricVerdicts(rollout, look.checks);
  const at = lookTime(input);
  const counting = verdicts.filter((v) => failureCounts(v, memory, analysis.failureThreshold, at, timeScale));
  const failed = (verdict: MetricVerdict) => failureReason(verdict, memory.failures[verdict.metric] ?? 0);
  // In a blue-green rollback window a pause would keep serving the new version to everyone: a pause-only metric
  // rolls back there too (a `notify` metric still only notifies).
  const switched = inRollbackWindow(rollout);
  const back = counting.find(
    (verdict) => verdict.onFail === 'rollback' || (switched && verdict.onFail === 'pause'),
  );
  if (back !== undefined) {
    const reason = switched ? `${failed(back)} in the rollback window` : failed(back);
    return { kind: 'rollback', reason, metric: back.metric };
  }
  if (rollout.phase === 'Paused') return null;
  const stop = counting.find((verdict) => verdict.onFail === 'pause');
  if (stop !== undefined) {
    return { kind: 'pause', cause: 'MetricFailed', reason: failed(stop), metric: stop.metric };
  }
  // An app serving other than the split assigns makes every other number suspect (the traffic split too, which it
  // skews): named first, since it says which instance.
  if (currentLook?.assignments?.result === 'Fail') {
    return { kind: 'pause', cause: 'AssignmentMismatch', reason: currentLook.assignments.reason };
  }
  // Every unit is on the new version in the rollback window: there is no split whose ratio could be off.
  if (!switched && currentLook?.srm.result === 'Fail') {
    return { kind: 'pause', cause: 'SampleRatioMismatch', reason: currentLook.srm.reason };
  }
  // The rollback window runs out rather than pausing on too few samples: its end completes and names them.
  if (switched) return null;
  for (const verdict of verdicts) {
    const limitMs = inconclusiveLimitMs(verdict.spec, analysis) / timeScale;
    const since = memory.inconclusiveSince[verdict.metric];
    if (verdict.status !== 'Inconclusive' || since === undefined || memory.stage !== stageKey(rollout))
      continue;
    if (verdict.onFail === 'notify') continue;
    const forMs = nowMs - since;
    if (forMs >= limitMs) {
      return {
        kind: 'pause',
        cause: verdict.noData ? 'NoData' : 'Inconclusive',
        reason: inconclusiveReason(verdict, forMs, timeScale),
        metric: verdict.metric,
      };
    }
  }
  return null;
}

/**
 * How long (rollout time) a gated metric may stay inconclusive before the rollout pauses: `maxInconclusive`, and
 * for a metric scored by the evaluation hook at least one draw and its answer time (`every` + `timeout`), so that
 * the NoData pause never races a batch that could still be scored.
 */
export function inconclusiveLimitMs(metric: MetricSpec, analysis: AnalysisSpec): number {
  const evaluation = analysis.evaluation;
  if (evaluation === undefined || !isEvalMetric(metric, analysis)) return analysis.maxInconclusiveMs;
  return Math.max(analysis.maxInconclusiveMs, evaluation.everyMs + evaluation.timeoutMs);
}

/** The `notify` metrics whose failure counts at this look. */
export function notifyingVerdicts(input: MachineInput): MetricVerdict[] {
  const { rollout, memory, look, timeScale } = input;
  if (look === null || !isLive(rollout)) return [];
  const threshold = rollout.spec.analysis.failureThreshold;
  return metricVerdicts(rollout, look.checks).filter(
    (v) => v.onFail === 'notify' && failureCounts(v, memory, threshold, lookTime(input), timeScale),
  );
}

/**
 * Decides what to do with a live rollout now. Before `analysis.startAfter` it only observes (holds). Then, in
 * order: what the checks call for ({@link gateDecision}: rollback, or pause); a paused rollout holds; a stage
 * advances only when its minimum duration has passed (a negative elapsed time, after the clock moved back, holds),
 * a look taken on this stage shows every gated metric passing with its minimum samples (`notify` metrics never
 * hold it), and no check fails; an approval step pauses for a person instead; past the 100% step the rollout
 * completes. At most one stage per decision. With `analysis.dryRun` the checks are not consulted at all: the ramp
 * steps on its schedule (the controller records what {@link gateDecision} would have done).
 *
 * @example
 * const memory = observe(previous, rollout, look);
 * const decision = decide({ rollout, memory, look, nowMs, timeScale: 1 });
 */
export function decide(input: MachineInput): Decision {
  const { rollout, nowMs, timeScale } = input;
  if (!isLive(rollout)) return { kind: 'hold', reason: `rollout is ${rollout.phase}` };
  const { analysis } = rollout.spec;
  const observedMs = (nowMs - Date.parse(rollout.startedAt)) * timeScale;
  if (analysis.startAfterMs !== undefined && observedMs < analysis.startAfterMs) {
    return {
      kind: 'hold',
      reason: `observing only: ${formatDuration(Math.max(0, observedMs))} of startAfter ${formatDuration(analysis.startAfterMs)}`,
    };
  }
  if (analysis.dryRun !== true) {
    const gate = gateDecision(input);
    if (gate !== null) return gate;
  }
  if (rollout.phase === 'Paused') return { kind: 'hold', reason: rollout.reason };
  return progress(input, analysis.dryRun !== true);
}

/** Hold, step or complete by the stage's time, its approval and (unless `gated` is false) its checks. */
function progress(input: MachineInput, gated: boolean): Decision {
  const { rollout, look, nowMs, timeScale } = input;
  const currentLook = look !== null && look.stage === stageKey(rollout) ? look : null;
  const where = stageName(rollout);
  const elapsedMs = nowMs - Date.parse(rollout.stageStartedAt);
  if (elapsedMs < 0) return { kind: 'hold', reason: `${where}: the clock is behind the stage's start` };
  const minimumMs = stageMinimumMs(rollout);
  if (elapsedMs * timeScale < minimumMs) {
    return {
      kind: 'hold',
      reason: `${where}: ${formatDuration(elapsedMs * timeScale)} of ${formatDuration(minimumMs)}`,
    };
  }
  if (gated) {
    if (currentLook === null || currentLook.at < Date.parse(rollout.stageStartedAt)) {
      return { kind: 'hold', reason: `${where}: waiting for a check on this stage` };
    }
    const stepVerdicts = metricVerdicts(rollout, currentLook.checks);
    if (inRollbackWindow(rollout)) return windowEnd(rollout, stepVerdicts, where);
    const notPassing = stepVerdicts.find((v) => v.status !== 'Pass' && v.onFail !== 'notify');
    if (notPassing !== undefined) {
      const why = notPassing.status === 'Fail' ? 'failing' : 'inconclusive';
      return { kind: 'hold', reason: `${where}: ${notPassing.metric} is ${why}` };
    }
  }
  if (!inSegmentPhases(rollout)) {
    const { steps } = rollout.plan;
    if (steps.length === 0) return { kind: 'hold', reason: 'schedule windows serve until promoted' };
    if (steps[rollout.stepIndex]?.approval === true) {
      return { kind: 'pause', cause: 'AwaitingApproval', reason: `${where} needs a person's approval` };
    }
    if (rollout.stepIndex >= steps.length - 1) {
      return { kind: 'complete', reason: `${where} passed ${formatDuration(minimumMs)} of monitoring` };
    }
  }
  const spent = formatDuration(elapsedMs * timeScale);
  if (!gated)
    return { kind: 'step', reason: `${where} on schedule for ${spent} (dry run: checks not applied)` };
  return { kind: 'step', reason: `${where} healthy for ${spent}` };
}

/**
 * The end of a blue-green rollback window: a gated metric failing at the last look holds (the next look either
 * counts the failure and rolls back, or passes); otherwise the switch completes, and a metric that was only
 * inconclusive is named in the reason rather than holding the old version as a fallback for ever.
 */
function windowEnd(rollout: Rollout, verdicts: readonly MetricVerdict[], where: string): Decision {
  const gated = verdicts.filter((v) => v.onFail !== 'notify');
  const failing = gated.find((v) => v.status === 'Fail');
  if (failing !== undefined) return { kind: 'hold', reason: `${where}: ${failing.metric} is failing` };
  const over = `rollback window over (${formatDuration(stageMinimumMs(rollout))})`;
  const stable = `${rollout.canaryVersion} is now stable`;
  const unsure = gated.filter((v) => v.status === 'Inconclusive');
  if (unsure.length === 0) return { kind: 'complete', reason: `${over}, every check passed: ${stable}` };
  const named = unsure.map((v) => v.check?.reason ?? `${v.metric}: no data`);
  return {
    kind: 'complete',
    reason: `${over}, nothing failing but inconclusive: ${named.join('; ')}: ${stable}`,
  };
}

/** The controller's actor name in timelines, audit entries and webhooks. */
export const CONTROLLER_ACTOR = 'controller';

/** The audit verb of each decision that changes the rollout. */
export const DECISION_ACTION: Record<Exclude<Decision['kind'], 'hold'>, string> = {
  step: 'step',
  complete: 'complete',
  pause: 'pause',
  rollback: 'rollback',
};

/**
 * Turns a decision into a transition (actor `controller`), or `null` for `hold`. A step keeps the rollout
 * `Progressing` with the new stage as its reason.
 */
export function applyDecision(rollout: Rollout, decision: Decision, nowMs: number): TransitionResult | null {
  const input = { actor: CONTROLLER_ACTOR, nowMs, reason: decision.reason };
  switch (decision.kind) {
    case 'hold':
      return null;
    case 'rollback':
      return rollback(rollout, input);
    case 'pause':
      return pause(rollout, input, decision.cause);
    case 'complete':
      // A blue-green completion says why (the window's end, and what stayed inconclusive): never silent.
      return complete(rollout, {
        actor: CONTROLLER_ACTOR,
        nowMs,
        ...(inRollbackWindow(rollout) ? { reason: decision.reason } : {}),
      });
    case 'step': {
      const result = promote(rollout, input);
      if (!result.ok || result.rollout.phase !== 'Progressing') return result;
      const after = { ...result.rollout, reason: `Progressing: ${stageName(result.rollout)}` };
      const next = inRollbackWindow(after) ? `${switchedWords(after)}, rollback window` : stageName(after);
      const entry =
        result.entry === null ? null : { ...result.entry, reason: `${decision.reason} → ${next}` };
      return { ok: true, rollout: after, entry };
    }
  }
}
