import type { AnalysisConfig } from '../analysis-config.js';
import { analyze } from '../analyze.js';
import { ArmAggregate } from '../arm-aggregate.js';
import type { CheckResult } from '../check-result.js';
import { poolAlpha } from '../pool-alpha.js';
import type { SequentialState } from '../sequential-state.js';
import type { StepSlice } from '../widen-window.js';
import { normal, poisson, type Random } from './prng.js';
import { exponential, turnsOf, unitRate } from './session-model.js';
import type { ArmModel } from './simulate-ramp.js';

/**
 * A change of the traffic over time that has nothing to do with the version: both versions see it. Time `h` is in
 * hours from the switch (negative before it).
 */
export interface Drift {
  /** Every request's latency × (1 + this · h): 0.05 is +5% an hour. */
  latencyPerHour?: number;
  /** The error rate + this · h: 0.01 is one point more an hour. */
  errorPerHour?: number;
  /**
   * A daily cycle: latency × (1 + latency · sin(2π(h + phaseHours)/24)) and the error rate + error · the same sine.
   * `phaseHours` 0 switches on the steepest rise; 6 at the peak.
   */
  diurnal?: { latency?: number; error?: number; phaseHours?: number };
}

/** A blue-green switch: an hour (say) of the old version at 100%, then the new version at 100% for the window. */
export interface SwitchScenario {
  requestsPerSecond: number;
  /** Mean turns per session (geometric on 1, 2, …); sessions under way at the switch carry on with the new version. */
  meanTurns: number;
  /** Mean seconds between a session's turns (exponential); default 30. */
  turnGapSeconds?: number;
  /** Intra-session correlation of success (beta-binomial), log-latency and tokens (normal random effects). */
  rho: number;
  /** Intervals of old-version traffic before the switch that make up the "before" figures; default 60. */
  beforeLooks?: number;
  /** The rollback window in intervals (one look each); default 60. */
  windowLooks?: number;
  /** Default 60 s. */
  intervalSeconds?: number;
  old: ArmModel;
  new: ArmModel;
  config: AnalysisConfig;
  /** Consecutive failing looks that roll back; default 2. */
  failureThreshold?: number;
  /**
   * The comparison pools of the rollout's plan and the window's place among them, for the α share (`poolAlpha`):
   * a switch without a preview runs one pool (the window gets the whole α); with a preview, two (index 1).
   */
  pools?: number;
  poolIndex?: number;
  drift?: Drift;
  /** Stop at the first rollback-worthy failing check (power runs). */
  stopAtFirstFail?: boolean;
  /** Called with every look's checks (diagnostics: which p-values, which estimates). */
  onLook?: (look: number, checks: readonly CheckResult[]) => void;
}

/** What happened in one switch's rollback window. Looks are numbered from 1 (the first look after the switch). */
export interface SwitchRun {
  firstFailByCheck: Record<string, number>;
  /** Look at which `failureThreshold` consecutive failing looks rolled back, or `null`. */
  rollbackLook: number | null;
  /** The checks (`metric:kind`) failing at the rollback look. */
  rollbackChecks: string[];
  looks: number;
  /** The window ended without a rollback. */
  completed: boolean;
}

interface Unit {
  id: number;
  zLatency: number;
  zTokens: number;
  pOld: number;
  pNew: number;
}

const HOUR_MS = 3_600_000;
const WARM_UP_SESSIONS_SPAN = 4;

function driftAt(drift: Drift | undefined, h: number): { latency: number; error: number } {
  if (drift === undefined) return { latency: 1, error: 0 };
  const d = drift.diurnal;
  const wave = d === undefined ? 0 : Math.sin((2 * Math.PI * (h + (d.phaseHours ?? 0))) / 24);
  return {
    latency: Math.max(0.05, (1 + (drift.latencyPerHour ?? 0) * h) * (1 + (d?.latency ?? 0) * wave)),
    error: (drift.errorPerHour ?? 0) * h + (d?.error ?? 0) * wave,
  };
}

/**
 * Plays one blue-green switch through the real analysis, as the daemon looks during the rollback window: sessions
 * arrive (Poisson) and send a geometric number of turns; for `beforeLooks` intervals every request goes to the old
 * version and is added to the "before" aggregate (the stable arm, fixed from the switch on); then every request goes
 * to the new version. Each look in the window runs `analyze()` with hard limits on the last interval (widened within
 * the window), the sequential comparisons on {stable: before, canary: everything since the switch} with the pool's
 * α share and the state carried from look to look, and no sample-ratio check (there is no split). A session under
 * way at the switch sends its later turns to the new version, keeping its random effects.
 */
export function simulateSwitch(scenario: SwitchScenario, random: Random): SwitchRun {
  const interval = (scenario.intervalSeconds ?? 60) * 1000;
  const gapMs = (scenario.turnGapSeconds ?? 30) * 1000;
  const before = scenario.beforeLooks ?? 60;
  const windowLooks = scenario.windowLooks ?? 60;
  const total = before + windowLooks;
  const switchMs = before * interval;
  const sqrtRho = Math.sqrt(scenario.rho);
  const sqrtRest = Math.sqrt(1 - scenario.rho);
  const arrivalsPerInterval = (scenario.requestsPerSecond * interval) / 1000 / scenario.meanTurns;
  const pending: Array<Array<[Unit, number]>> = Array.from({ length: total }, () => []);
  let nextId = 0;
  const arrive = (fromMs: number): void => {
    const count = poisson(random, arrivalsPerInterval);
    for (let i = 0; i < count; i++) {
      const u: Unit = {
        id: nextId++,
        zLatency: normal(random),
        zTokens: normal(random),
        pOld: Number.NaN,
        pNew: Number.NaN,
      };
      let t = fromMs + random() * interval;
      const turns = turnsOf(random, scenario.meanTurns);
      for (let k = 0; k < turns; k++) {
        const slot = Math.floor(t / interval);
        if (slot >= total) break;
        if (slot >= 0) pending[slot]?.push([u, t]);
        t += exponential(random, gapMs);
      }
    }
  };
  const warmUp = Math.ceil((WARM_UP_SESSIONS_SPAN * scenario.meanTurns * gapMs) / interval);
  for (let m = -warmUp; m < 0; m++) arrive(m * interval);

  const run: SwitchRun = {
    firstFailByCheck: {},
    rollbackLook: null,
    rollbackChecks: [],
    looks: 0,
    completed: false,
  };
  const beforeAgg = new ArmAggregate();
  const after = new ArmAggregate();
  const stepSlices: StepSlice[] = [];
  const alpha = poolAlpha(scenario.config.alpha ?? 0.05, scenario.pools ?? 1, scenario.poolIndex ?? 0);
  const config = { ...scenario.config, alpha };
  let state: SequentialState | undefined;
  let failing = 0;
  for (let slot = 0; slot < total; slot++) {
    arrive(slot * interval);
    const isNew = slot >= before;
    const model = isNew ? scenario.new : scenario.old;
    const slice = new ArmAggregate();
    for (const [u, t] of pending[slot] ?? []) {
      const shift = driftAt(scenario.drift, (t - switchMs) / HOUR_MS);
      if (isNew && Number.isNaN(u.pNew)) u.pNew = unitRate(random, model.successRate, scenario.rho);
      if (!isNew && Number.isNaN(u.pOld)) u.pOld = unitRate(random, model.successRate, scenario.rho);
      const p = Math.min(1, Math.max(0, (isNew ? u.pNew : u.pOld) - shift.error));
      const lat = model.latency;
      const durationMs =
        lat === undefined
          ? 1000
          : (lat.medianMs * Math.exp(lat.sigma * (sqrtRho * u.zLatency + sqrtRest * normal(random))) +
              (lat.shiftMs ?? 0)) *
            shift.latency;
      slice.addSpan({
        flagKey: 'sim',
        variant: isNew ? 'new' : 'old',
        splitAssigned: true,
        endTimeMs: t,
        durationMs,
        error: random() >= p,
        attributes: {},
        unit: `u${u.id}`,
        ...(model.tokens === undefined
          ? {}
          : {
              inputTokens: Math.max(
                0,
                Math.round(
                  model.tokens.mean + model.tokens.sd * (sqrtRho * u.zTokens + sqrtRest * normal(random)),
                ),
              ),
            }),
      });
    }
    if (!isNew) {
      beforeAgg.absorb(slice);
      continue;
    }
    after.absorb(slice);
    stepSlices.push({ start: slot * interval, canary: slice });
    const out = analyze({
      config,
      window: { canary: slice },
      stepSlices,
      intervalMs: interval,
      nowMs: (slot + 1) * interval,
      cumulative: { stable: beforeAgg, canary: after },
      srm: 'n/a',
      ...(state === undefined ? {} : { state }),
    });
    state = out.state;
    const n = slot - before + 1;
    run.looks = n;
    scenario.onLook?.(n, out.checks);
    const failingNow: string[] = [];
    for (const check of out.checks) {
      if (check.result !== 'Fail') continue;
      const key = `${check.metric}:${check.kind}`;
      run.firstFailByCheck[key] ??= n;
      if (check.onFail === 'rollback') failingNow.push(key);
    }
    failing = failingNow.length > 0 ? failing + 1 : 0;
    if (failing >= (scenario.failureThreshold ?? 2)) {
      run.rollbackLook = n;
      run.rollbackChecks = failingNow;
      return run;
    }
    if (scenario.stopAtFirstFail === true && failingNow.length > 0) return run;
  }
  run.completed = true;
  return run;
}
