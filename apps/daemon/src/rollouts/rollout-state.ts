/**
 * The persisted rollout record and its transitions. Each transition is a pure function of (rollout, action, now)
 * returning the next rollout and the timeline entry to record; operators' actions and, later, the controller's
 * automatic steps go through the same functions.
 */
import type { RolloutSpec } from '../packs/prompt-pack.js';
import type { RolloutPlan } from './rollout-plan.js';

/** Rollout phases, as API.md names them. */
export type RolloutPhase = 'Progressing' | 'Paused' | 'Completed' | 'RolledBack';

/** Why a rollout is paused. */
export type PauseCause =
  | 'Manual'
  | 'AwaitingApproval'
  | 'Inconclusive'
  | 'SampleRatioMismatch'
  | 'AssignmentMismatch'
  | 'NoData'
  | 'MetricFailed';

/** A rollout as stored: where it is in its plan, and since when. Times are ISO 8601 strings in UTC. */
export interface Rollout {
  readonly id: string;
  readonly pack: string;
  readonly phase: RolloutPhase;
  /** A reason a person can read (`Manual: checking a report`, `AwaitingApproval`, `latency_p99 failed …`). */
  readonly reason: string;
  /** Set while `Paused`. */
  readonly pauseCause?: PauseCause;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  /** Index into `plan.segmentPhases`; equal to its length once the ramp runs. */
  readonly segmentPhaseIndex: number;
  /** Index into `plan.steps`; 0 during segment phases. */
  readonly stepIndex: number;
  /** The current segment phase's or ramp step's weight (0 after a rollback, 100 once completed). */
  readonly weight: number;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** When the current segment phase or step began, shifted forward by time spent paused. */
  readonly stageStartedAt: string;
  readonly pausedAt?: string;
  /** When the rollout was last resumed: the controller restarts its inconclusive timers from there. */
  readonly resumedAt?: string;
  readonly endedAt?: string;
  readonly spec: RolloutSpec;
  readonly plan: RolloutPlan;
}

/** One recorded transition. */
export interface TimelineEntry {
  readonly at: string;
  /** `null` for the start of the rollout. */
  readonly from: RolloutPhase | null;
  readonly to: RolloutPhase;
  readonly weight: number;
  readonly actor: string;
  readonly reason: string;
}

/** Who acts, why, and when. */
export interface ActionInput {
  readonly actor: string;
  readonly reason?: string;
  readonly nowMs: number;
}

/** A successful transition; `entry` is `null` when nothing changed (pausing a paused rollout). */
export interface Transition {
  readonly ok: true;
  readonly rollout: Rollout;
  readonly entry: TimelineEntry | null;
}

/** An action on a rollout that is no longer live: 409 `rollout_not_active`. */
export interface NotActiveError {
  readonly ok: false;
  readonly code: 'rollout_not_active';
  readonly message: string;
}

/** The outcome of an action. */
export type TransitionResult = Transition | NotActiveError;

/** Whether a rollout still changes the flag (`Progressing` or `Paused`). */
export function isLive(rollout: Pick<Rollout, 'phase'>): boolean {
  return rollout.phase === 'Progressing' || rollout.phase === 'Paused';
}

/**
 * Whether the rollout is monitoring at 100% (`monitorFor` of the ramp's 100% step): there is no stable arm any
 * more, so comparisons read stable's figures from before the ramp reached 100% (a before/after comparison).
 */
export function comparesWithBaseline(
  rollout: Pick<Rollout, 'segmentPhaseIndex' | 'stepIndex' | 'weight' | 'plan' | 'phase'>,
): boolean {
  if (!isLive(rollout) || inSegmentPhases(rollout) || rollout.weight < 100) return false;
  return (rollout.plan.steps[rollout.stepIndex]?.monitorForMs ?? 0) > 0;
}

/** Whether the rollout is in its segment phases (as opposed to the ramp). */
export function inSegmentPhases(rollout: Pick<Rollout, 'segmentPhaseIndex' | 'plan'>): boolean {
  return rollout.segmentPhaseIndex < rollout.plan.segmentPhases.length;
}

function iso(nowMs: number): string {
  return new Date(nowMs).toISOString();
}

function transition(before: Rollout, after: Rollout, input: ActionInput, reason: string): Transition {
  const entry: TimelineEntry = {
    at: after.updatedAt,
    from: before.phase,
    to: after.phase,
    weight: after.weight,
    actor: input.actor,
    reason,
  };
  return { ok: true, rollout: after, entry };
}

function notActive(rollout: Rollout): NotActiveError {
  return {
    ok: false,
    code: 'rollout_not_active',
    message: `rollout ${rollout.id} is ${rollout.phase}; only a Progressing or Paused rollout takes actions`,
  };
}

function withoutPause(rollout: Rollout): Rollout {
  const { pausedAt: _pausedAt, pauseCause: _pauseCause, ...rest } = rollout;
  return rest;
}

/** What starting a rollout needs. */
export interface StartInput extends ActionInput {
  readonly id: string;
  readonly pack: string;
  readonly stableVersion: string;
  readonly canaryVersion: string;
  readonly spec: RolloutSpec;
  readonly plan: RolloutPlan;
}

function startReason(input: StartInput, rollout: Rollout): string {
  if (input.plan.strategy !== 'blueGreen') {
    return `rollout of ${input.canaryVersion} from ${input.stableVersion} started`;
  }
  if (input.plan.steps.length === 1 && !inSegmentPhases(rollout)) {
    return `switched to ${input.canaryVersion} from ${input.stableVersion} (blue-green): rollback window`;
  }
  const segment = inSegmentPhases(rollout) ? `${input.plan.segmentPhases[0]?.name} ` : '';
  return `blue-green of ${input.canaryVersion} from ${input.stableVersion} started: preview ${segment}(${rollout.weight}%)`;
}

/** Starts a rollout at its first weight: the first segment phase's, or else the first ramp step's. */
export function startRollout(input: StartInput): Transition & { readonly entry: TimelineEntry } {
  const { plan } = input;
  const weight = plan.segmentPhases[0]?.weight ?? plan.steps[0]?.weight ?? 0;
  const at = iso(input.nowMs);
  const rollout: Rollout = {
    id: input.id,
    pack: input.pack,
    phase: 'Progressing',
    reason: 'Started',
    stableVersion: input.stableVersion,
    canaryVersion: input.canaryVersion,
    segmentPhaseIndex: 0,
    stepIndex: 0,
    weight,
    startedAt: at,
    updatedAt: at,
    stageStartedAt: at,
    spec: input.spec,
    plan,
  };
  const reason = input.reason ?? startReason(input, rollout);
  return {
    ok: true,
    rollout,
    entry: { at, from: null, to: 'Progressing', weight, actor: input.actor, reason },
  };
}

/** Pauses a live rollout; the flag keeps serving its current weights (schedule windows keep following the clock). */
export function pause(rollout: Rollout, input: ActionInput, cause: PauseCause = 'Manual'): TransitionResult {
  if (!isLive(rollout)) return notActive(rollout);
  if (rollout.phase === 'Paused') return { ok: true, rollout, entry: null };
  const at = iso(input.nowMs);
  const reason = input.reason === undefined ? cause : `${cause}: ${input.reason}`;
  const after: Rollout = {
    ...rollout,
    phase: 'Paused',
    reason,
    pauseCause: cause,
    pausedAt: at,
    updatedAt: at,
  };
  return transition(rollout, after, input, input.reason ?? cause);
}

/**
 * Resumes a paused rollout; the time spent paused does not count towards the step's minimum duration. A step
 * awaiting approval stays paused: `promote` approves it.
 */
export function resume(rollout: Rollout, input: ActionInput): TransitionResult {
  if (!isLive(rollout)) return notActive(rollout);
  if (rollout.phase !== 'Paused' || rollout.pauseCause === 'AwaitingApproval')
    return { ok: true, rollout, entry: null };
  const pausedFor =
    rollout.pausedAt === undefined ? 0 : Math.max(0, input.nowMs - Date.parse(rollout.pausedAt));
  const after: Rollout = {
    ...withoutPause(rollout),
    phase: 'Progressing',
    reason: 'Resumed',
    stageStartedAt: iso(Date.parse(rollout.stageStartedAt) + pausedFor),
    resumedAt: iso(input.nowMs),
    updatedAt: iso(input.nowMs),
  };
  return transition(rollout, after, input, input.reason ?? 'Resumed');
}

/** Completes a live rollout now: the canary becomes the stable version. */
export function complete(rollout: Rollout, input: ActionInput): TransitionResult {
  if (!isLive(rollout)) return notActive(rollout);
  const at = iso(input.nowMs);
  const after: Rollout = {
    ...withoutPause(rollout),
    phase: 'Completed',
    reason: input.reason === undefined ? 'Completed' : `Completed: ${input.reason}`,
    weight: 100,
    updatedAt: at,
    endedAt: at,
  };
  return transition(rollout, after, input, input.reason ?? `${rollout.canaryVersion} is now stable`);
}

/**
 * Moves a live rollout to its next segment phase or ramp step (approving a step that awaits approval) and
 * leaves it `Progressing`; past the last step it completes. With `full`, completes at once, skipping the
 * remaining steps and `monitorFor`.
 */
export function promote(
  rollout: Rollout,
  input: ActionInput & { readonly full?: boolean },
): TransitionResult {
  if (!isLive(rollout)) return notActive(rollout);
  const { plan } = rollout;
  const wasInSegments = inSegmentPhases(rollout);
  const segmentPhaseIndex = wasInSegments ? rollout.segmentPhaseIndex + 1 : rollout.segmentPhaseIndex;
  const stepIndex = wasInSegments ? rollout.stepIndex : rollout.stepIndex + 1;
  const inSegments = segmentPhaseIndex < plan.segmentPhases.length;
  // Leaving the segment phases enters the ramp even when it has no steps (a schedule-only pack holds there).
  const completes = input.full === true || (!wasInSegments && stepIndex >= plan.steps.length);
  if (completes && plan.strategy === 'blueGreen') {
    // Ending a blue-green switch early says what was cut short.
    const switched = !wasInSegments && rollout.stepIndex >= plan.steps.length - 1;
    const cut = switched ? 'rollback window' : 'preview and rollback window';
    const words = `${rollout.canaryVersion} is now stable: ${cut} ended early by ${input.actor}`;
    return complete(rollout, {
      ...input,
      reason: input.reason === undefined ? words : `${words}; ${input.reason}`,
    });
  }
  if (completes) return complete(rollout, input);
  const weight = inSegments
    ? (plan.segmentPhases[segmentPhaseIndex]?.weight ?? 0)
    : (plan.steps[stepIndex]?.weight ?? 0);
  const at = iso(input.nowMs);
  const after: Rollout = {
    ...withoutPause(rollout),
    phase: 'Progressing',
    reason: 'Promoted',
    segmentPhaseIndex,
    stepIndex,
    weight,
    stageStartedAt: at,
    updatedAt: at,
  };
  if (plan.strategy === 'blueGreen') {
    // A blue-green switch has one promotion: from the preview to everyone.
    const words = `switched to ${rollout.canaryVersion} (blue-green): rollback window`;
    return transition(
      rollout,
      after,
      input,
      input.reason === undefined ? words : `${words}; ${input.reason}`,
    );
  }
  const where = inSegments
    ? `segment ${plan.segmentPhases[segmentPhaseIndex]?.name}`
    : `step ${stepIndex + 1}`;
  return transition(rollout, after, input, input.reason ?? `promoted to ${where} at ${weight}%`);
}

/** Rolls a live rollout back: canary weight 0 at once, everyone on the stable version. */
export function rollback(rollout: Rollout, input: ActionInput): TransitionResult {
  if (!isLive(rollout)) return notActive(rollout);
  const at = iso(input.nowMs);
  const reason = input.reason ?? `rolled back by ${input.actor}`;
  const after: Rollout = {
    ...withoutPause(rollout),
    phase: 'RolledBack',
    reason,
    weight: 0,
    updatedAt: at,
    endedAt: at,
  };
  return transition(rollout, after, input, reason);
}

/** The rollback of applying the stable version during a rollout: immediate, without analysis. */
export function fastRollback(rollout: Rollout, input: Omit<ActionInput, 'reason'>): TransitionResult {
  return rollback(rollout, {
    ...input,
    reason: `fast rollback: stable version ${rollout.stableVersion} re-applied by ${input.actor}`,
  });
}
