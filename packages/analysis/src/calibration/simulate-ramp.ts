import type { AnalysisConfig } from '../analysis-config.js';
import { analyze } from '../analyze.js';
import { ArmAggregate } from '../arm-aggregate.js';
import type { CheckResult } from '../check-result.js';
import { poolAlpha } from '../pool-alpha.js';
import type { SrmSlice } from '../sample-ratio-check.js';
import type { SequentialState } from '../sequential-state.js';
import { UnitExposures } from '../unit-exposures.js';
import type { StepSlice } from '../widen-window.js';
import { normal, poisson, type Random } from './prng.js';
import { exponential, turnsOf, unitRate } from './session-model.js';

/** How one arm's requests behave. */
export interface ArmModel {
  /** Probability that a request succeeds (on average over units). */
  successRate: number;
  /** Log-normal latency (median, σ of the log) plus a constant shift; omitted: 1,000 ms. */
  latency?: { medianMs: number; sigma: number; shiftMs?: number };
  /** Normal token counts per request (rounded, at least 0); omitted: none reported. */
  tokens?: { mean: number; sd: number };
}

/** A rollout played with sessions: traffic, sessions, the ramp, the truth per arm and the analysis config. */
export interface SessionScenario {
  requestsPerSecond: number;
  /** Mean turns per session (geometric on 1, 2, …; 1: single requests). */
  meanTurns: number;
  /** Mean seconds between a session's turns (exponential); default 30, so sessions span several looks. */
  turnGapSeconds?: number;
  /** Intra-session correlation of success (beta-binomial), log-latency and tokens (normal random effects). */
  rho: number;
  /** Canary weight (%) per step, e.g. [10, 20, …, 90]; one entry holds the weight for the whole run. */
  steps: readonly number[];
  /** Looks per step before it may advance (and only when no gated check is inconclusive). */
  looksPerStep: number;
  /** Looks at most; default 3 × steps × looksPerStep. */
  maxLooks?: number;
  /** Default 60 s: a look per interval, one slice per interval. */
  intervalSeconds?: number;
  stable: ArmModel;
  canary: ArmModel;
  config: AnalysisConfig;
  /** Consecutive failing looks that roll back; default 2 (the seed pack's `failureThreshold`). */
  failureThreshold?: number;
  /**
   * The controller's per-metric rules, by metric name, as the daemon applies them: `failureThreshold` (default the
   * scenario's, or 1 with only `forLooks`) and `forLooks` (the failure must have held at every look for this many
   * intervals: `for` ÷ interval). With `gates` or `startAfterLooks`, failures are counted per metric as the
   * controller counts them (an inconclusive look neither adds nor resets), and `onFail: notify` never rolls back.
   */
  gates?: Record<string, { failureThreshold?: number; forLooks?: number }>;
  /** `startAfter` ÷ interval: before this look nothing rolls back and no step advances. */
  startAfterLooks?: number;
  /** The split really serves canary weight × this (1.2: 12% instead of 10%), for SRM power. Default 1. */
  servedFactor?: number;
  /** Stop at the first failing check (power runs). */
  stopAtFirstFail?: boolean;
  /** Drop the units (the request-level analysis, as before units were read): SRM on per-slice requests. */
  requestLevel?: boolean;
}

/** What happened in one rollout. Looks are numbered from 1. */
export interface RampRun {
  firstFailByCheck: Record<string, number>;
  firstConclusiveByCheck: Record<string, number>;
  /** Look at which `failureThreshold` consecutive failing looks rolled the rollout back, or `null`. */
  rollbackLook: number | null;
  /** Look at which the SRM check paused the rollout, or `null`. */
  srmFail: number | null;
  looks: number;
  /** Reached the end of the last step. */
  completed: boolean;
}

interface Session {
  id: number;
  /** Sticky split position 0..100: canary while bucket < served weight. */
  bucket: number;
  zLatency: number;
  zTokens: number;
  /** The unit's success probability per arm, drawn when first needed. */
  pStable: number;
  pCanary: number;
  exposed: boolean;
}

const WARM_UP_SESSIONS_SPAN = 4;

/**
 * Plays one rollout with sessions through the real analysis: units arrive (Poisson), send a geometric number of
 * turns spaced over minutes, keep their arm (bucket < weight ⇒ canary, so a unit moves to the canary only when the
 * weight rises past its bucket); each look runs `analyze()` with the step's slices (hard limits on the widened
 * last interval), the pooled split traffic (pooled while the weight is ≤ 50%, restarted each step above, with the
 * sequential state restarted with it) and the units at first exposure for the SRM check.
 */
export function simulateRamp(scenario: SessionScenario, random: Random): RampRun {
  const interval = (scenario.intervalSeconds ?? 60) * 1000;
  const gapMs = (scenario.turnGapSeconds ?? 30) * 1000;
  const maxLooks = scenario.maxLooks ?? 3 * scenario.steps.length * scenario.looksPerStep;
  const rho = scenario.rho;
  const sqrtRho = Math.sqrt(rho);
  const sqrtRest = Math.sqrt(1 - rho);
  const factor = scenario.servedFactor ?? 1;
  const arrivalsPerInterval = (scenario.requestsPerSecond * interval) / 1000 / scenario.meanTurns;
  const pending: Array<Array<[Session, number]>> = Array.from({ length: maxLooks }, () => []);
  let nextId = 0;
  const arrive = (fromMs: number): void => {
    const count = poisson(random, arrivalsPerInterval);
    for (let i = 0; i < count; i++) {
      const s: Session = {
        id: nextId++,
        bucket: random() * 100,
        zLatency: normal(random),
        zTokens: normal(random),
        pStable: Number.NaN,
        pCanary: Number.NaN,
        exposed: false,
      };
      let t = fromMs + random() * interval;
      const turns = turnsOf(random, scenario.meanTurns);
      for (let k = 0; k < turns; k++) {
        const slot = Math.floor(t / interval);
        if (slot >= maxLooks) break;
        if (slot >= 0) pending[slot]?.push([s, t]);
        t += exponential(random, gapMs);
      }
    }
  };
  // Sessions already under way when the rollout starts, so traffic is steady from the first look.
  const warmUp = Math.ceil((WARM_UP_SESSIONS_SPAN * scenario.meanTurns * gapMs) / interval);
  for (let m = -warmUp; m < 0; m++) arrive(m * interval);

  const exposures = new UnitExposures();
  const srmSlices: SrmSlice[] = [];
  const run: RampRun = {
    firstFailByCheck: {},
    firstConclusiveByCheck: {},
    rollbackLook: null,
    srmFail: null,
    looks: 0,
    completed: false,
  };
  let step = 0;
  let looksInStep = 0;
  let stepSlices: StepSlice[] = [];
  let pool = { stable: new ArmAggregate(), canary: new ArmAggregate() };
  let state: SequentialState | undefined;
  let failing = 0;
  const counts: MetricCounts = new Map();
  // The pools the ramp runs: the pooled steps up to 50%, then one per step above 50% (below 100%).
  const pools =
    (scenario.steps.some((w) => w <= 50) ? 1 : 0) + scenario.steps.filter((w) => w > 50 && w < 100).length;
  let poolIndex = 0;
  const baseAlpha = scenario.config.alpha ?? 0.05;
  for (let look = 0; look < maxLooks; look++) {
    const weight = scenario.steps[step] ?? 100;
    const served = Math.min(100, weight * factor);
    arrive(look * interval);
    const slice = { stable: new ArmAggregate(), canary: new ArmAggregate() };
    let canaryCount = 0;
    let count = 0;
    for (const [s, t] of pending[look] ?? []) {
      const canary = s.bucket < served;
      const model = canary ? scenario.canary : scenario.stable;
      if (canary && Number.isNaN(s.pCanary)) s.pCanary = unitRate(random, model.successRate, rho);
      if (!canary && Number.isNaN(s.pStable)) s.pStable = unitRate(random, model.successRate, rho);
      const p = canary ? s.pCanary : s.pStable;
      const lat = model.latency;
      const durationMs =
        lat === undefined
          ? 1000
          : lat.medianMs * Math.exp(lat.sigma * (sqrtRho * s.zLatency + sqrtRest * normal(random))) +
            (lat.shiftMs ?? 0);
      const unit = scenario.requestLevel === true ? undefined : `u${s.id}`;
      const obs = {
        flagKey: 'sim',
        variant: canary ? 'canary' : 'stable',
        splitAssigned: true,
        endTimeMs: t,
        durationMs,
        error: random() >= p,
        attributes: {},
        ...(unit === undefined ? {} : { unit }),
        ...(model.tokens === undefined
          ? {}
          : {
              inputTokens: Math.max(
                0,
                Math.round(
                  model.tokens.mean + model.tokens.sd * (sqrtRho * s.zTokens + sqrtRest * normal(random)),
                ),
              ),
            }),
      };
      (canary ? slice.canary : slice.stable).addSpan(obs);
      count++;
      if (canary) canaryCount++;
      // Only a unit's first exposure counts, so later ones need not be recorded (UnitExposures would drop them).
      if (unit !== undefined && !s.exposed) {
        exposures.add(unit, canary ? 'canary' : 'stable', weight / 100, t);
        s.exposed = true;
      }
    }
    srmSlices.push({ stable: count - canaryCount, canary: canaryCount, expectedShare: weight / 100 });
    stepSlices.push({ start: look * interval, stable: slice.stable, canary: slice.canary });
    pool.stable.absorb(slice.stable);
    pool.canary.absorb(slice.canary);
    looksInStep++;
    const out = analyze({
      config: { ...scenario.config, alpha: poolAlpha(baseAlpha, pools, poolIndex) },
      window: { canary: slice.canary },
      stepSlices,
      intervalMs: interval,
      nowMs: (look + 1) * interval,
      cumulative: pool,
      srm: scenario.requestLevel === true ? srmSlices : exposures,
      ...(state === undefined ? {} : { state }),
    });
    state = out.state;
    const n = look + 1;
    run.looks = n;
    let failed = false;
    let inconclusive = false;
    for (const check of out.checks) {
      const key = `${check.metric}:${check.kind}`;
      if (check.result !== 'Inconclusive') run.firstConclusiveByCheck[key] ??= n;
      else inconclusive = true;
      if (check.result === 'Fail') {
        run.firstFailByCheck[key] ??= n;
        if (check.onFail === 'rollback') failed = true;
      }
    }
    failing = failed ? failing + 1 : 0;
    if (out.srm.result === 'Fail') {
      run.srmFail = n;
      break;
    }
    const perMetric = scenario.gates !== undefined || scenario.startAfterLooks !== undefined;
    const observing = n <= (scenario.startAfterLooks ?? 0);
    if (
      perMetric
        ? controllerRollsBack(scenario, counts, out.checks, n) && !observing
        : failing >= (scenario.failureThreshold ?? 2)
    ) {
      run.rollbackLook = n;
      break;
    }
    if (observing) continue;
    if (scenario.stopAtFirstFail === true && Object.keys(run.firstFailByCheck).length > 0) break;
    if (looksInStep >= scenario.looksPerStep && !inconclusive && scenario.steps.length > 1) {
      step++;
      looksInStep = 0;
      stepSlices = [];
      if (step >= scenario.steps.length) {
        run.completed = true;
        break;
      }
      // Above 50% the pool (and the sequential test) restarts with every step (STATISTICS.md).
      if ((scenario.steps[step] ?? 100) > 50) {
        poolIndex++;
        pool = { stable: new ArmAggregate(), canary: new ArmAggregate() };
        state =
          state === undefined ? undefined : { v: 1, checks: {}, ...(state.srm ? { srm: state.srm } : {}) };
      }
    }
  }
  return run;
}

/** Per metric: consecutive failing looks and the look the run of failures began. */
type MetricCounts = Map<string, { count: number; since: number }>;

/**
 * Folds one look into per-metric failure counts as the daemon's controller does (a metric fails when any of its
 * checks fails, passes when all pass, and an inconclusive look keeps its count), and says whether a metric with
 * `onFail: rollback` now rolls back under its gate (`failureThreshold`, `forLooks`).
 */
function controllerRollsBack(
  scenario: SessionScenario,
  counts: MetricCounts,
  checks: readonly CheckResult[],
  n: number,
): boolean {
  const byMetric = new Map<string, CheckResult[]>();
  for (const check of checks) byMetric.set(check.metric, [...(byMetric.get(check.metric) ?? []), check]);
  let rollback = false;
  for (const [metric, own] of byMetric) {
    if (own.some((c) => c.result === 'Fail')) {
      const prior = counts.get(metric);
      counts.set(metric, { count: (prior?.count ?? 0) + 1, since: prior?.since ?? n });
    } else if (own.every((c) => c.result === 'Pass')) counts.delete(metric);
    const now = counts.get(metric);
    if (now === undefined || own[0]?.onFail !== 'rollback') continue;
    const gate = scenario.gates?.[metric] ?? {};
    const threshold =
      gate.failureThreshold ?? (gate.forLooks !== undefined ? 1 : (scenario.failureThreshold ?? 2));
    if (now.count >= threshold && (gate.forLooks === undefined || n - now.since >= gate.forLooks))
      rollback = true;
  }
  return rollback;
}
