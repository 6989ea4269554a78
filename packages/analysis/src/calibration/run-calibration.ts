import type { AnalysisConfig } from '../analysis-config.js';
import { mulberry32 } from './prng.js';
import { type ArmModel, type RampRun, type SessionScenario, simulateRamp } from './simulate-ramp.js';

/** Sizes and seed of a calibration run. */
export interface CalibrationOptions {
  seed: number;
  /** A/A rollouts per scenario at 5 req/s. */
  aaSlow: number;
  /** A/A rollouts per scenario at 100 req/s (each plays ~270,000 requests). */
  aaFast: number;
  /** Runs per power scenario. */
  powerRuns: number;
  /** Mean turns per session of the A/A grid; default 1, 3, 6, 12. */
  turns?: readonly number[];
  /** Intra-session correlations of the A/A grid; default 0, 0.1, 0.2. */
  rhos?: readonly number[];
  /** Request rates of the A/A grid; default 100 and 5. */
  rates?: readonly number[];
}

/** A/A rollouts of one scenario: how many were rolled back or paused by chance. */
export interface AaFigure {
  name: string;
  requestsPerSecond: number;
  meanTurns: number;
  rho: number;
  rollouts: number;
  /** Rolled back: `failureThreshold` (2) consecutive looks with a failing check. */
  falseRollbacks: number;
  /** Rollouts with any failing check at any look (before the failure threshold). */
  anyFail: number;
  /** Paused by a sample-ratio mismatch. */
  srmPauses: number;
  /** Mean looks played. */
  meanLooks: number;
}

/** How quickly a real problem is caught. */
export interface PowerFigure {
  name: string;
  runs: number;
  goalLooks: number;
  countedFrom: 'start' | 'minimum samples';
  detectedWithinGoal: number;
  medianLooks: number | null;
  p95Looks: number | null;
}

/** Everything {@link runCalibration} measured. */
export interface CalibrationReport {
  options: CalibrationOptions;
  aa: AaFigure[];
  /** Hard limits with the truth just inside them: rollouts where a limit failed at any look. */
  margins: AaFigure[];
  power: PowerFigure[];
}

/** Log-normal latency with median 1,200 ms and a p99 of 2,700 ms: 10% inside the seed's 3,000 ms limit. */
const LATENCY = { medianMs: 1200, sigma: Math.log(2700 / 1200) / 2.3263 };
const TOKENS = { mean: 800, sd: 200 };
const SEED_ARM: ArmModel = { successRate: 0.94, latency: LATENCY, tokens: TOKENS };
/** The seed pack's ramp: 10% first, +10 points every 5 looks (5 min at a look a minute), up to 90%. */
export const SEED_STEPS: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90];
/** The seed gates: two hard limits and a relative limit; three sequential checks at α = 0.05/3. */
export const SEED_CONFIG: AnalysisConfig = {
  metrics: [
    { name: 'success_rate', threshold: 0.9, comparison: '>=' },
    { name: 'latency_p99', threshold: 3000, comparison: '<=' },
    { name: 'tokens_per_request', maxIncrease: 0.5 },
  ],
};

function quantileOf(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return value === undefined || !Number.isFinite(value) ? null : value;
}

function runMany(scenario: SessionScenario, runs: number, seed: number): RampRun[] {
  const random = mulberry32(seed);
  return Array.from({ length: runs }, () => simulateRamp(scenario, random));
}

function aaFigure(name: string, scenario: SessionScenario, rollouts: number, seed: number): AaFigure {
  const runs = runMany(scenario, rollouts, seed);
  return {
    name,
    requestsPerSecond: scenario.requestsPerSecond,
    meanTurns: scenario.meanTurns,
    rho: scenario.rho,
    rollouts,
    falseRollbacks: runs.filter((r) => r.rollbackLook !== null).length,
    anyFail: runs.filter((r) => Object.keys(r.firstFailByCheck).length > 0).length,
    srmPauses: runs.filter((r) => r.srmFail !== null).length,
    meanLooks: runs.reduce((sum, r) => sum + r.looks, 0) / Math.max(1, runs.length),
  };
}

function powerFigure(
  name: string,
  scenario: SessionScenario,
  runs: number,
  seed: number,
  goalLooks: number,
  detection: (run: RampRun) => number | undefined,
  countedFrom: PowerFigure['countedFrom'] = 'start',
): PowerFigure {
  const looks = runMany({ ...scenario, stopAtFirstFail: true }, runs, seed)
    .map((r) => detection(r) ?? Number.POSITIVE_INFINITY)
    .sort((a, b) => a - b);
  return {
    name,
    runs,
    goalLooks,
    countedFrom,
    detectedWithinGoal: runs === 0 ? 0 : looks.filter((l) => l <= goalLooks).length / runs,
    medianLooks: quantileOf(looks, 0.5),
    p95Looks: quantileOf(looks, 0.95),
  };
}

/** A seed-pack rollout with sessions (A/A unless `canary` says otherwise). */
export function seedScenario(
  requestsPerSecond: number,
  meanTurns: number,
  rho: number,
  overrides: Partial<SessionScenario> = {},
): SessionScenario {
  return {
    requestsPerSecond,
    meanTurns,
    rho,
    steps: SEED_STEPS,
    looksPerStep: 5,
    stable: SEED_ARM,
    canary: SEED_ARM,
    config: SEED_CONFIG,
    ...overrides,
  };
}

const firstFail =
  (...keys: string[]) =>
  (run: RampRun): number | undefined => {
    const looks = keys.map((k) => run.firstFailByCheck[k]).filter((l): l is number => l !== undefined);
    return looks.length === 0 ? undefined : Math.min(...looks);
  };

function latencyDetection(run: RampRun): number | undefined {
  const fail = firstFail('latency_p99:threshold', 'latency_p99:regression')(run);
  const ready = run.firstConclusiveByCheck['latency_p99:regression'];
  return fail === undefined || ready === undefined ? undefined : fail - ready + 1;
}

/**
 * The calibration of STATISTICS.md with sessions, through the real analysis (`simulateRamp` → `analyze()`): A/A
 * false rollbacks and SRM pauses per rollout over the seed pack's whole ramp for a grid of session lengths,
 * intra-session correlations and request rates; hard limits with the truth just inside them; and the power
 * against a success drop, a latency shift and a sample-ratio mismatch. Pure and deterministic for a given seed.
 */
export function runCalibration(options: CalibrationOptions): CalibrationReport {
  const { seed } = options;
  const aa: AaFigure[] = [];
  for (const rps of options.rates ?? [100, 5]) {
    for (const turns of options.turns ?? [1, 3, 6, 12]) {
      for (const rho of options.rhos ?? [0, 0.1, 0.2]) {
        const rollouts = rps >= 50 ? options.aaFast : options.aaSlow;
        const name = `A/A, ${rps} req/s, ${turns} turns, ρ ${rho}`;
        // Each scenario's seed follows from its parameters, so a partial grid reproduces the same rows.
        const own = seed + rps * 1000 + turns * 10 + Math.round(rho * 10);
        aa.push(aaFigure(name, seedScenario(rps, turns, rho), rollouts, own));
      }
    }
  }
  // Limits 10% inside (latency p99 2,727 ms ≤ 3,000; tokens 800 ≤ 880) and 1 point inside (success 91% ≥ 90%).
  const marginConfig: AnalysisConfig = {
    metrics: [
      { name: 'success_rate', threshold: 0.9, comparison: '>=', compare: false },
      { name: 'latency_p99', threshold: 3000, comparison: '<=', compare: false },
      { name: 'tokens_per_request', threshold: 880, comparison: '<=', compare: false },
    ],
  };
  const marginArm: ArmModel = {
    successRate: 0.91,
    latency: { medianMs: 1200, sigma: Math.log(3000 / 1.1 / 1200) / 2.3263 },
    tokens: TOKENS,
  };
  const margin = (rps: number, n: number, s: number): AaFigure =>
    aaFigure(
      `hard limits just inside, ${rps} req/s, 6 turns, ρ 0.2`,
      seedScenario(rps, 6, 0.2, { stable: marginArm, canary: marginArm, config: marginConfig }),
      n,
      s,
    );
  const fixed10 = { steps: [10], looksPerStep: 1000 };
  const drop = (rps: number, maxLooks: number): SessionScenario =>
    seedScenario(rps, 6, 0.1, { ...fixed10, maxLooks, canary: { ...SEED_ARM, successRate: 0.89 } });
  const slower = (rps: number): SessionScenario =>
    seedScenario(rps, 6, 0.1, {
      ...fixed10,
      maxLooks: 60,
      canary: { ...SEED_ARM, latency: { ...LATENCY, shiftMs: 800 } },
    });
  const successFail = firstFail('success_rate:regression', 'success_rate:threshold');
  return {
    options,
    aa,
    margins: [margin(100, options.aaFast, seed + 101), margin(5, options.aaSlow, seed + 102)],
    power: [
      powerFigure(
        '94% → 89%, 100 req/s, 6 turns, ρ 0.1',
        drop(100, 20),
        options.powerRuns,
        seed + 201,
        4,
        successFail,
      ),
      powerFigure(
        '94% → 89%, 5 req/s, 6 turns, ρ 0.1',
        drop(5, 120),
        options.powerRuns,
        seed + 202,
        60,
        successFail,
      ),
      powerFigure(
        'latency +800 ms, 100 req/s, 6 turns, ρ 0.1',
        slower(100),
        options.powerRuns,
        seed + 203,
        3,
        latencyDetection,
        'minimum samples',
      ),
      powerFigure(
        'latency +800 ms, 5 req/s, 6 turns, ρ 0.1',
        slower(5),
        options.powerRuns,
        seed + 204,
        3,
        latencyDetection,
        'minimum samples',
      ),
      powerFigure(
        'SRM 12% served vs 10% expected, 100 req/s, 6 turns, ρ 0.1',
        seedScenario(100, 6, 0.1, { ...fixed10, maxLooks: 20, servedFactor: 1.2 }),
        options.powerRuns,
        seed + 205,
        10,
        (r) => r.srmFail ?? undefined,
      ),
    ],
  };
}
