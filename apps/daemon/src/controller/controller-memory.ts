/**
 * What the controller remembers about a rollout between looks (consecutive failures, how long each gated metric
 * has been inconclusive), and how one look folds into it. Pure; persisted as JSON beside the rollout.
 */
import { metricKey } from '@prompt-canary/analysis';
import type { MetricOnFail, MetricSpec } from '../packs/prompt-pack.js';
import { comparesWithBaseline, type Rollout } from '../rollouts/rollout-state.js';
import type { LookAssignments, LookCheck, LookSrm } from './analysis-source.js';

/** One look at a rollout, as the machine reads it. */
export interface RolloutLook {
  /** Wall-clock time of the look, epoch ms. */
  readonly at: number;
  /** {@link stageKey} of the rollout when the look was taken. */
  readonly stage: string;
  readonly checks: readonly LookCheck[];
  readonly srm: LookSrm;
  /** Served versus assigned, when checked. */
  readonly assignments?: LookAssignments;
}

/** The controller's memory of one rollout. */
export interface ControllerMemory {
  /** The stage the inconclusive timers belong to. */
  readonly stage: string;
  /** Consecutive looks in which each metric failed, by metric name. */
  readonly failures: Readonly<Record<string, number>>;
  /** Since when (epoch ms) each gated metric has been inconclusive without a break, by metric name. */
  readonly inconclusiveSince: Readonly<Record<string, number>>;
  /** The last look folded in, epoch ms. */
  readonly lastLookAt: number | null;
  /**
   * Since when (look time, epoch ms) each metric has been failing without a pass between, by metric name: what
   * `for` measures. Absent in memories saved before it existed.
   */
  readonly failingSince?: Readonly<Record<string, number>>;
  /**
   * What has been announced in the current failure episode (`notify` metrics by name, dry-run verdicts as
   * `would:<metric or cause>`), with when: announced once, again only after the metric passed.
   */
  readonly announced?: Readonly<Record<string, number>>;
}

/** A gated metric's verdict in one look. */
export interface MetricVerdict {
  readonly metric: string;
  readonly status: 'Pass' | 'Fail' | 'Inconclusive';
  /** Inconclusive because the canary had no data at all (as opposed to too few samples). */
  readonly noData: boolean;
  readonly onFail: MetricOnFail;
  /** The metric as the pack configures it. */
  readonly spec: MetricSpec;
  /** The check behind a `Fail` or `Inconclusive`. */
  readonly check?: LookCheck;
}

/** Identifies a segment phase or ramp step: `segment index/step index`. */
export function stageKey(rollout: Pick<Rollout, 'segmentPhaseIndex' | 'stepIndex'>): string {
  return `${rollout.segmentPhaseIndex}/${rollout.stepIndex}`;
}

/** A fresh memory for a rollout's current stage. */
export function emptyMemory(rollout: Pick<Rollout, 'segmentPhaseIndex' | 'stepIndex'>): ControllerMemory {
  return { stage: stageKey(rollout), failures: {}, inconclusiveSince: {}, lastLookAt: null };
}

/**
 * Whether the current stage has a stable arm to compare with (not at 100%: a 100% segment or the last step), or,
 * monitoring at 100%, stable's figures from before the ramp reached it ({@link comparesWithBaseline}).
 */
export function hasStableArm(rollout: Rollout): boolean {
  return rollout.weight < 100 || comparesWithBaseline(rollout);
}

function expectedKinds(metric: MetricSpec, stableArm: boolean): LookCheck['kind'][] {
  const kinds: LookCheck['kind'][] = [];
  if (metric.threshold !== undefined) kinds.push('threshold');
  if (stableArm) {
    if (metric.maxIncrease !== undefined || metric.maxDecrease !== undefined) kinds.push('relative');
    else if (metric.compare) kinds.push('regression');
  }
  return kinds;
}

function hasSamples(check: LookCheck, minSamples: number): boolean {
  if (check.n.canary < minSamples) return false;
  return check.kind === 'threshold' || check.n.stable >= minSamples;
}

/**
 * The verdict of every metric gated at the rollout's current stage. A metric is gated by the checks it should get
 * there: its hard limit always, its comparison with stable only where there is a stable arm. A missing check, or a
 * passing one below `minSamples` per arm, counts as inconclusive: telemetry that stops is a finding, not a pass.
 */
export function metricVerdicts(rollout: Rollout, checks: readonly LookCheck[]): MetricVerdict[] {
  const { minSamples, metrics } = rollout.spec.analysis;
  const stableArm = hasStableArm(rollout);
  const verdicts: MetricVerdict[] = [];
  for (const metric of metrics) {
    const kinds = expectedKinds(metric, stableArm);
    if (kinds.length === 0) continue;
    const key = metricKey(metric);
    const own = checks.filter((check) => check.metric === key && kinds.includes(check.kind));
    const failing = own.find((check) => check.result === 'Fail');
    const base = { metric: key, onFail: metric.onFail, spec: metric };
    if (failing !== undefined) {
      verdicts.push({ ...base, status: 'Fail', noData: false, check: failing });
      continue;
    }
    const missing = kinds.some((kind) => !own.some((check) => check.kind === kind));
    const short = own.find((check) => check.result === 'Inconclusive' || !hasSamples(check, minSamples));
    if (missing || short !== undefined) {
      const noData = missing || own.some((check) => check.n.canary === 0 || check.canary === null);
      verdicts.push({
        ...base,
        status: 'Inconclusive',
        noData,
        ...(short === undefined ? {} : { check: short }),
      });
      continue;
    }
    verdicts.push({ ...base, status: 'Pass', noData: false });
  }
  return verdicts;
}

/**
 * Folds one look into the memory. A new stage restarts the inconclusive timers; a resume since the last look
 * restarts them too and forgives pause-only failures (the operator has seen them). A failing metric counts one
 * more consecutive failure, a passing one starts over, an inconclusive one neither adds nor resets.
 */
export function observe(memory: ControllerMemory, rollout: Rollout, look: RolloutLook): ControllerMemory {
  const stage = stageKey(rollout);
  const resumedSinceLastLook =
    rollout.resumedAt !== undefined &&
    (memory.lastLookAt === null || Date.parse(rollout.resumedAt) >= memory.lastLookAt);
  const freshTimers = memory.stage !== stage || resumedSinceLastLook;
  const failures: Record<string, number> = { ...memory.failures };
  const failingSince: Record<string, number> = { ...memory.failingSince };
  const announced: Record<string, number> = { ...memory.announced };
  if (resumedSinceLastLook) {
    for (const metric of rollout.spec.analysis.metrics) {
      if (metric.onFail !== 'pause') continue;
      delete failures[metricKey(metric)];
      delete failingSince[metricKey(metric)];
    }
  }
  const inconclusiveSince: Record<string, number> = freshTimers ? {} : { ...memory.inconclusiveSince };
  for (const verdict of metricVerdicts(rollout, look.checks)) {
    if (verdict.status === 'Fail') {
      failures[verdict.metric] = (failures[verdict.metric] ?? 0) + 1;
      failingSince[verdict.metric] ??= look.at;
    }
    if (verdict.status === 'Pass') {
      // The failure episode ends: its count, its duration and what was announced about it.
      delete failures[verdict.metric];
      delete failingSince[verdict.metric];
      delete announced[verdict.metric];
      delete announced[`would:${verdict.metric}`];
    }
    if (verdict.status === 'Inconclusive') inconclusiveSince[verdict.metric] ??= look.at;
    else delete inconclusiveSince[verdict.metric];
  }
  return { stage, failures, inconclusiveSince, lastLookAt: look.at, failingSince, announced };
}

/**
 * Whether a failing metric's failure counts now: it failed `failureThreshold` consecutive looks (the metric's, else
 * the analysis' one; with only `for`, one look) and, with `for`, has been failing at every look for that long
 * (rollout time: `for` is divided by the time scale).
 */
export function failureCounts(
  verdict: Pick<MetricVerdict, 'metric' | 'status' | 'spec'>,
  memory: ControllerMemory,
  analysisThreshold: number,
  atMs: number,
  timeScale: number,
): boolean {
  if (verdict.status !== 'Fail') return false;
  const { forMs, failureThreshold } = verdict.spec;
  const threshold = failureThreshold ?? (forMs !== undefined ? 1 : analysisThreshold);
  if ((memory.failures[verdict.metric] ?? 0) < threshold) return false;
  if (forMs === undefined) return true;
  const since = memory.failingSince?.[verdict.metric];
  return since !== undefined && (atMs - since) * timeScale >= forMs;
}
