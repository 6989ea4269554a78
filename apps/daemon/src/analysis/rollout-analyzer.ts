import {
  type AnalysisResult,
  ArmAggregate,
  analyze,
  type CheckResult,
  downstreamConfigOfKey,
  type MetricConfig,
  type MetricDefinition,
  metricKey,
  poolAlpha,
  resolveMetric,
  type SequentialState,
  type SrmSlice,
  type StepSlice,
  sliceStart,
  type UnitExposures,
} from '@prompt-canary/analysis';
import type { RolloutStage } from '@prompt-canary/api-types';
import type { AssignmentVerdict } from '../assignments/assignment-audit.js';
import { baselineRolloutId } from '../ingest/pack-baseline.js';
import type { SliceStore, StoredSlice } from '../ingest/slice-store.js';
import { analysisConfigOf } from '../packs/analysis-config-of.js';
import type { RolloutStrategyName } from '../packs/prompt-pack.js';
import { effectiveWeightAt } from '../rollouts/effective-weight.js';
import { planStrategy } from '../rollouts/rollout-plan.js';
import { rolloutStage } from '../rollouts/rollout-stage.js';
import type { Rollout, TimelineEntry } from '../rollouts/rollout-state.js';
import { type ComparisonPool, comparisonPool, poolPosition, stepStartMs } from './rollout-stages.js';

/** Which data `arms` shows: since the current step began, since the rollout began, or the last N ms. */
export type AnalysisWindow = 'step' | 'rollout' | number;

/**
 * The sequential state the controller persists between looks: the package's state plus the key of the data pool
 * it belongs to. When the pool restarts (a segment phase ends, the ramp passes 50%), the state restarts with it.
 */
export interface RolloutSequentialState extends SequentialState {
  pool?: string;
}

/** Options of {@link RolloutAnalyzer.analyze}. */
export interface RolloutAnalyzeOptions {
  /** Wall-clock epoch ms of the look. */
  nowMs: number;
  /** Default `step`. */
  window?: AnalysisWindow;
  /**
   * The state returned by the previous look (as persisted JSON); omit on the first look. Anything that is not such
   * a state, or a state of an earlier comparison pool, starts the sequential test afresh.
   */
  sequentialState?: unknown;
}

/** API.md's analysis answer, plus where the comparisons' data came from. */
export interface RolloutAnalysis {
  window: { from: string; to: string };
  arms: AnalysisResult['arms'];
  /** Unit and direction of every metric in `arms` and `checks`, from the metric catalogue (`resolveMetric`). */
  metricInfo: Record<string, MetricInfo>;
  checks: ApiCheck[];
  srm: AnalysisResult['srm'];
  /**
   * The comparisons' data: scope and start of the pool, and for a before/after comparison the span of stable's
   * figures from before; `null` where only hard limits apply.
   */
  comparisons: { scope: 'split' | 'targeting'; from: string; before?: { from: string; to: string } } | null;
  /** The rollout's strategy, and its stage as of the look. */
  strategy: RolloutStrategyName;
  stage: RolloutStage | null;
  /** Served versus assigned per app instance (when the daemon checks it): a `Fail` pauses the rollout. */
  assignments?: AssignmentVerdict;
}

/** How to read a metric's value: its unit, and which way is better. */
export interface MetricInfo {
  unit: MetricDefinition['unit'];
  direction: MetricDefinition['direction'];
}

/**
 * The unit and direction of each metric named in an answer: configured metrics as configured, any other (the
 * built-ins shown in `arms`) from the catalogue. The CLI and the dashboard read these instead of guessing.
 */
export function metricInfoOf(
  configured: readonly MetricConfig[],
  names: Iterable<string>,
): Record<string, MetricInfo> {
  const byName = new Map(configured.map((metric) => [metricKey(metric), metric]));
  const info: Record<string, MetricInfo> = {};
  for (const name of names) {
    if (name in info) continue;
    const { unit, direction } = resolveMetric(byName.get(name) ?? downstreamConfigOfKey(name) ?? { name });
    info[name] = { unit, direction };
  }
  return info;
}

/** A check as the API shows it: the package's check with its window in ISO times. */
export type ApiCheck = Omit<CheckResult, 'window'> & { window?: { from: string; to: string } };

/** What one look returns: the answer and the state for the next look. */
export interface RolloutAnalysisOutcome {
  analysis: RolloutAnalysis;
  sequentialState: RolloutSequentialState;
}

/** What {@link RolloutAnalyzer} reads. */
export interface RolloutAnalyzerDeps {
  slices: SliceStore;
  /** A rollout's timeline, oldest first (weights over time, for the step start and the SRM's expected share). */
  timeline(rolloutId: string): readonly TimelineEntry[];
  /** Length of an aggregate slice in real ms (must match the ingest sink's). */
  sliceMs: number;
  /** `--time-scale`: the pack's analysis interval lasts `interval / timeScale` real ms. Default 1. */
  timeScale?: number;
  /** Served versus assigned for a flag since a time (the assignment audit); absent: not checked. */
  assignments?: (flagKey: string, sinceMs: number) => AssignmentVerdict;
}

type Arms = { stable: ArmAggregate; canary: ArmAggregate };

function mergeArms(slices: readonly StoredSlice[], fromMs: number, pick?: (s: StoredSlice) => boolean): Arms {
  const stable: ArmAggregate[] = [];
  const canary: ArmAggregate[] = [];
  for (const slice of slices) {
    if (slice.key.sliceStart < fromMs || (pick !== undefined && !pick(slice))) continue;
    (slice.key.arm === 'canary' ? canary : stable).push(slice.aggregate);
  }
  return { stable: ArmAggregate.mergeAll(stable), canary: ArmAggregate.mergeAll(canary) };
}

/**
 * Computes a rollout's analysis from the stored slices (STATISTICS.md "Which data a look sees"): `arms` over the
 * requested window (all traffic); hard limits over the last analysis interval of all canary traffic; relative and
 * regression checks over the comparison pool ({@link comparisonPool}: split traffic pooled while the canary is at
 * or below 50%, targeting traffic within a segment phase, nothing at 100%); SRM over the pool's split slices with
 * the expected share of each slice rebuilt from the timeline (slices where the weight changed are skipped).
 *
 * Pure with respect to the rollout: it writes nothing. The controller persists `sequentialState`; a read-only
 * look (the API) passes the persisted state and discards the new one.
 *
 * @example
 * ```ts
 * const { analysis, sequentialState } = analyzer.analyze(rollout, { nowMs: clock.now(), sequentialState: saved });
 * ```
 */
export class RolloutAnalyzer {
  readonly #deps: RolloutAnalyzerDeps;
  readonly #timeScale: number;

  constructor(deps: RolloutAnalyzerDeps) {
    if (!(deps.sliceMs > 0)) throw new RangeError(`sliceMs must be positive, got ${deps.sliceMs}`);
    this.#deps = deps;
    this.#timeScale = deps.timeScale ?? 1;
  }

  /** Runs one look at `rollout` as of `options.nowMs`. */
  analyze(rollout: Rollout, options: RolloutAnalyzeOptions): RolloutAnalysisOutcome {
    const { sliceMs } = this.#deps;
    const timeline = this.#deps.timeline(rollout.id);
    const spec = rollout.spec.analysis;
    const startedMs = Date.parse(rollout.startedAt);
    const endedMs = rollout.endedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(rollout.endedAt);
    const toMs = Math.max(startedMs, Math.min(options.nowMs, endedMs));
    const window = options.window ?? 'step';
    const fromMs =
      window === 'rollout'
        ? startedMs
        : window === 'step'
          ? stepStartMs(rollout, timeline)
          : Math.max(startedMs, toMs - window);
    const intervalMs = Math.max(sliceMs, spec.intervalMs / this.#timeScale);
    const lastFromMs = toMs - intervalMs;
    const pool = comparisonPool(rollout, timeline);

    const floor = (ms: number) => sliceStart(ms, sliceMs);
    const readFrom = floor(
      Math.min(fromMs, lastFromMs, pool?.stableBefore?.fromMs ?? pool?.fromMs ?? fromMs),
    );
    const slices = this.#deps.slices.read({ rolloutId: rollout.id, fromMs: readFrom, toMs: toMs + 1 });

    const prior = asSequentialState(options.sequentialState);
    // A new comparison pool restarts the metric tests; the sample-ratio check runs over the whole rollout, so its
    // sequential state carries on.
    const state =
      prior === undefined || prior.pool === pool?.key
        ? prior
        : prior.srm === undefined
          ? undefined
          : { v: 1 as const, checks: {}, srm: prior.srm };
    const cumulative =
      pool === undefined
        ? undefined
        : pool.stableBefore !== undefined
          ? beforeAfter(
              slices,
              pool.fromMs,
              { ...pool.stableBefore, fromMs: floor(pool.stableBefore.fromMs) },
              this.#baseline(rollout, pool.stableBefore),
            )
          : mergeArms(slices, floor(pool.fromMs), (s) => s.key.scope === pool.scope);
    const configured = analysisConfigOf(spec);
    // A pool restart is a new sequential test: the pools of the plan share the rollout's α (ADR 0005).
    const position = pool === undefined ? undefined : poolPosition(rollout, pool);
    const config =
      position === undefined
        ? configured
        : { ...configured, alpha: poolAlpha(configured.alpha ?? 0.05, position.pools, position.index) };
    const look = analyze({
      config,
      window: mergeArms(slices, floor(fromMs)),
      stepSlices: stepSlicesOf(slices, floor(stepStartMs(rollout, timeline))),
      intervalMs,
      nowMs: toMs,
      ...(cumulative === undefined ? {} : { cumulative }),
      srm:
        pool?.scope === 'split' && pool.stableBefore === undefined
          ? this.#srm(rollout, timeline, slices, pool)
          : 'n/a',
      ...(state === undefined ? {} : { state }),
      versions: { stable: rollout.stableVersion, canary: rollout.canaryVersion },
    });
    const sequentialState: RolloutSequentialState = { ...look.state };
    if (pool !== undefined) sequentialState.pool = pool.key;
    return {
      analysis: {
        window: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
        arms: look.arms,
        metricInfo: metricInfoOf(configured.metrics, [
          ...Object.keys(look.arms.stable.metrics),
          ...Object.keys(look.arms.canary.metrics),
          ...look.checks.map((check) => check.metric),
        ]),
        checks: look.checks.map((check) =>
          withIsoWindow(
            pool?.stableBefore === undefined
              ? check
              : asBeforeAfter(
                  check,
                  pool.stableBefore.oldVersion === true
                    ? `${rollout.stableVersion} before the switch`
                    : 'stable before 100%',
                ),
          ),
        ),
        srm: look.srm,
        comparisons: pool === undefined ? null : comparisonsView(pool),
        strategy: planStrategy(rollout.plan),
        stage: rolloutStage(rollout),
        // Checked from the current stage's start: a mismatch the operator resumed past is not held against it.
        ...(this.#deps.assignments === undefined
          ? {}
          : { assignments: this.#deps.assignments(rollout.pack, stageCheckStart(rollout)) }),
      },
      sequentialState,
    };
  }

  /**
   * Blue-green: the pack's rolling baseline slices (the old version while no rollout was live) in the hour before
   * the switch; nothing for a canary's monitoring.
   */
  #baseline(rollout: Rollout, before: NonNullable<ComparisonPool['stableBefore']>): readonly StoredSlice[] {
    if (before.oldVersion !== true) return [];
    return this.#deps.slices.read({
      rolloutId: baselineRolloutId(rollout.pack),
      fromMs: sliceStart(before.fromMs, this.#deps.sliceMs),
      toMs: before.toMs,
      arms: ['stable'],
    });
  }

  /**
   * The sample-ratio check's data: split-assigned units at first exposure over the whole rollout when spans carry
   * their unit, else (older providers, apps that do not stamp it) per-slice span counts of the pool.
   */
  #srm(
    rollout: Rollout,
    timeline: readonly TimelineEntry[],
    slices: readonly StoredSlice[],
    pool: ComparisonPool,
  ): UnitExposures | SrmSlice[] {
    const exposures = this.#deps.slices.exposures(rollout.id);
    if (exposures.size > 0) return exposures;
    return srmSlices(rollout, timeline, slices, pool, this.#deps.sliceMs);
  }
}

/** The pool as the answer shows it, with the span of stable's figures for a before/after comparison. */
function comparisonsView(pool: ComparisonPool): NonNullable<RolloutAnalysis['comparisons']> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const view = { scope: pool.scope, from: iso(pool.fromMs) };
  if (pool.stableBefore === undefined) return view;
  return { ...view, before: { from: iso(pool.stableBefore.fromMs), to: iso(pool.stableBefore.toMs) } };
}

/** Where served-versus-assigned counting starts for a look: the later of the stage's start and the last resume. */
function stageCheckStart(rollout: Rollout): number {
  const stage = Date.parse(rollout.stageStartedAt);
  const resumed = rollout.resumedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(rollout.resumedAt);
  return Math.max(stage, resumed);
}

/**
 * Monitoring at 100%: all canary traffic since the ramp reached 100% against stable's split traffic before then
 * (the same metrics, recorded per rollout in its slices). A blue-green switch (`oldVersion`) compares with the old
 * version's traffic of every scope in the hour before the switch (`before.fromMs`, floored to a slice start), its
 * `baseline` slices (the pack's rolling baseline) merged in.
 */
function beforeAfter(
  slices: readonly StoredSlice[],
  reachedMs: number,
  before: NonNullable<ComparisonPool['stableBefore']>,
  baseline: readonly StoredSlice[],
): Arms {
  const stable: ArmAggregate[] = [];
  const canary: ArmAggregate[] = [];
  const anyScope = before.oldVersion === true;
  for (const slice of slices) {
    const start = slice.key.sliceStart;
    if (slice.key.arm === 'canary' && start >= reachedMs) canary.push(slice.aggregate);
    if (slice.key.arm !== 'stable' || start >= before.toMs) continue;
    if (anyScope ? start >= before.fromMs : slice.key.scope === 'split') stable.push(slice.aggregate);
  }
  for (const slice of baseline) if (slice.key.sliceStart < before.toMs) stable.push(slice.aggregate);
  return { stable: ArmAggregate.mergeAll(stable), canary: ArmAggregate.mergeAll(canary) };
}

/**
 * A comparison at 100% says it compares with stable's figures from before then (`stable before 100%`, or for a
 * blue-green switch `2.3.0 before the switch`).
 */
function asBeforeAfter(check: CheckResult, before: string): CheckResult {
  if (check.kind === 'threshold') return check;
  const reason = check.reason
    .replace(' vs stable ', ` vs ${before} `)
    .replace(/ \(n=/, '; a before/after comparison (n=');
  return {
    ...check,
    reason: reason.includes('before/after') ? reason : `${reason} (before/after comparison)`,
  };
}

/** The step's slices, oldest first, all traffic per arm: what hard limits widen their window over. */
function stepSlicesOf(slices: readonly StoredSlice[], fromMs: number): StepSlice[] {
  const byStart = new Map<number, { stable: ArmAggregate[]; canary: ArmAggregate[] }>();
  for (const slice of slices) {
    if (slice.key.sliceStart < fromMs) continue;
    let arms = byStart.get(slice.key.sliceStart);
    if (arms === undefined) {
      arms = { stable: [], canary: [] };
      byStart.set(slice.key.sliceStart, arms);
    }
    arms[slice.key.arm].push(slice.aggregate);
  }
  return [...byStart.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, arms]) => ({
      start,
      stable: ArmAggregate.mergeAll(arms.stable),
      canary: ArmAggregate.mergeAll(arms.canary),
    }));
}

/** A check as the API shows it: its window as ISO times. */
function withIsoWindow(check: CheckResult): ApiCheck {
  const { window, ...rest } = check;
  if (window === undefined) return rest;
  return {
    ...rest,
    window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
  };
}

function asSequentialState(value: unknown): RolloutSequentialState | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const state = value as Partial<RolloutSequentialState>;
  if (state.v !== 1 || state.checks === null || typeof state.checks !== 'object') return undefined;
  return state as RolloutSequentialState;
}

/**
 * Per-slice split span counts with the share the split served then; slices where the weight changed are left
 * out. The request-level fallback of the sample-ratio check, for spans that carry no unit.
 */
function srmSlices(
  rollout: Rollout,
  timeline: readonly TimelineEntry[],
  slices: readonly StoredSlice[],
  pool: ComparisonPool,
  sliceMs: number,
): SrmSlice[] {
  const counts = new Map<number, { stable: number; canary: number }>();
  const from = sliceStart(pool.fromMs, sliceMs);
  for (const slice of slices) {
    if (slice.key.scope !== 'split' || slice.key.sliceStart < from) continue;
    let c = counts.get(slice.key.sliceStart);
    if (c === undefined) {
      c = { stable: 0, canary: 0 };
      counts.set(slice.key.sliceStart, c);
    }
    c[slice.key.arm] += slice.aggregate.spans;
  }
  const out: SrmSlice[] = [];
  for (const [start, c] of counts) {
    const end = start + sliceMs - 1;
    const points = [start, end];
    for (const entry of timeline) {
      const at = Date.parse(entry.at);
      if (at > start && at <= end) points.push(at);
    }
    const weights = points.map((t) => effectiveWeightAt(rollout, timeline, t));
    const w = weights[0];
    if (w === undefined || w <= 0 || w >= 100 || weights.some((x) => x !== w)) continue;
    out.push({ stable: c.stable, canary: c.canary, expectedShare: w / 100 });
  }
  return out;
}
