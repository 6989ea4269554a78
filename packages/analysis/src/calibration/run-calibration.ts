import type { AnalysisConfig } from '../analysis-config.js';
import { mulberry32 } from './prng.js';
import { type ArmModel, type RolloutRun, type RolloutScenario, simulateRollout } from './simulate-rollout.js';

/** Sizes and seed of a calibration run. */
export interface CalibrationOptions {
  seed: number;
  /** A/A rollouts per rate-only scenario (the goal is stated over 1,000). */
  aaRollouts: number;
  /** A/A rollouts with the seed's three gated metrics (span by span, slower). */
  aaFullRollouts: number;
  /** Runs per power scenario. */
  powerRuns: number;
  /** Runs per latency scenario. */
  latencyRuns: number;
}

/** False fails of identical arms over whole rollouts. */
export interface AaFigure {
  name: string;
  rollouts: number;
  looks: number;
  requestsPerSecond: number;
  /** Rollouts with any failing sequential (relative or regression) check. */
  sequentialFalseFails: number;
  /** Rollouts with any failing hard limit (a property of the limits chosen, not of the test). */
  thresholdFalseFails: number;
  /** Rollouts with a sample-ratio mismatch. */
  srmFalseFails: number;
}

/** How quickly a real regression is caught. */
export interface PowerFigure {
  name: string;
  runs: number;
  requestsPerSecond: number;
  /** The goal: detected within this many looks (counted from the start, or from the first conclusive look). */
  goalLooks: number;
  countedFrom: 'start' | 'minimum samples';
  /** Share of runs detected within `goalLooks`. */
  detectedWithinGoal: number;
  /** Median and 95th percentile of the detection look (`null`: not reached in that share of runs). */
  medianLooks: number | null;
  p95Looks: number | null;
}

/** Everything {@link runCalibration} measured. */
export interface CalibrationReport {
  options: CalibrationOptions;
  aa: AaFigure[];
  power: PowerFigure[];
}

const STABLE_RATE: ArmModel = { successRate: 0.94 };
const RATE_ONLY: AnalysisConfig = { metrics: [{ name: 'success_rate' }] };
const LATENCY = { medianMs: 1200, sigma: 0.31 };
const TOKENS = { mean: 800, sd: 200 };
/** The seed PromptPack's gates: three sequential checks, so each runs at α = 0.05/3. */
export const SEED_CONFIG: AnalysisConfig = {
  metrics: [
    { name: 'success_rate', threshold: 0.9, comparison: '>=' },
    { name: 'latency_p99', threshold: 3000, comparison: '<=' },
    { name: 'tokens_per_request', maxIncrease: 0.5 },
  ],
};
const SEED_ARM: ArmModel = { successRate: 0.94, latency: LATENCY, tokens: TOKENS };

function quantileOf(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return value === undefined || !Number.isFinite(value) ? null : value;
}

function runMany(scenario: RolloutScenario, runs: number, seed: number): RolloutRun[] {
  const random = mulberry32(seed);
  return Array.from({ length: runs }, () => simulateRollout(scenario, random));
}

function aaFigure(name: string, scenario: RolloutScenario, rollouts: number, seed: number): AaFigure {
  const results = runMany(scenario, rollouts, seed);
  const failed = (r: RolloutRun, kinds: string[]): boolean =>
    Object.keys(r.firstFailByCheck).some((key) => kinds.some((k) => key.endsWith(`:${k}`)));
  return {
    name,
    rollouts,
    looks: scenario.looks,
    requestsPerSecond: scenario.requestsPerSecond,
    sequentialFalseFails: results.filter((r) => failed(r, ['relative', 'regression'])).length,
    thresholdFalseFails: results.filter((r) => failed(r, ['threshold'])).length,
    srmFalseFails: results.filter((r) => r.srmFail !== null).length,
  };
}

function powerFigure(
  name: string,
  scenario: RolloutScenario,
  runs: number,
  seed: number,
  goalLooks: number,
  detectionLook: (run: RolloutRun) => number | undefined,
  countedFrom: PowerFigure['countedFrom'],
): PowerFigure {
  const looks = runMany({ ...scenario, stopAtFirstFail: true }, runs, seed)
    .map((r) => detectionLook(r) ?? Number.POSITIVE_INFINITY)
    .sort((a, b) => a - b);
  return {
    name,
    runs,
    requestsPerSecond: scenario.requestsPerSecond,
    goalLooks,
    countedFrom,
    detectedWithinGoal: runs === 0 ? 0 : looks.filter((l) => l <= goalLooks).length / runs,
    medianLooks: quantileOf(looks, 0.5),
    p95Looks: quantileOf(looks, 0.95),
  };
}

/** Detection of a latency regression by any latency_p99 check, counted from the first look with enough samples. */
function latencyDetection(run: RolloutRun): number | undefined {
  const fails = ['latency_p99:threshold', 'latency_p99:regression']
    .map((k) => run.firstFailByCheck[k])
    .filter((l): l is number => l !== undefined);
  const ready = run.firstConclusiveByCheck['latency_p99:regression'];
  if (fails.length === 0 || ready === undefined) return undefined;
  return Math.min(...fails) - ready + 1;
}

/**
 * The calibration of STATISTICS.md through the real analysis code: A/A false-fail rates per rollout, power against
 * a success-rate drop (94% → 89% at 10% canary weight) and against a latency shift (+800 ms). Pure and
 * deterministic for a given seed.
 */
export function runCalibration(options: CalibrationOptions): CalibrationReport {
  const { seed } = options;
  const rate = (rps: number, looks: number, canary: ArmModel): RolloutScenario => ({
    requestsPerSecond: rps,
    canaryWeight: 0.1,
    looks,
    stable: STABLE_RATE,
    canary,
    config: RATE_ONLY,
  });
  const seedPack = (rps: number, looks: number, canary: ArmModel): RolloutScenario => ({
    requestsPerSecond: rps,
    canaryWeight: 0.1,
    looks,
    stable: SEED_ARM,
    canary,
    config: SEED_CONFIG,
  });
  const drop: ArmModel = { successRate: 0.89 };
  const slower: ArmModel = { ...SEED_ARM, latency: { ...LATENCY, shiftMs: 800 } };
  const successFail = (r: RolloutRun): number | undefined => r.firstFailByCheck['success_rate:regression'];
  const successSeedFail = (r: RolloutRun): number | undefined =>
    r.firstFailByCheck['success_rate:regression'] ?? r.firstFailByCheck['success_rate:threshold'];
  return {
    options,
    aa: [
      aaFigure(
        'A/A, success rate, 100 req/s, 45 looks',
        rate(100, 45, STABLE_RATE),
        options.aaRollouts,
        seed + 1,
      ),
      aaFigure(
        'A/A, success rate, 5 req/s, 180 looks',
        rate(5, 180, STABLE_RATE),
        options.aaRollouts,
        seed + 2,
      ),
      aaFigure(
        'A/A, seed gates (3 metrics), 100 req/s, 45 looks',
        seedPack(100, 45, SEED_ARM),
        options.aaFullRollouts,
        seed + 3,
      ),
    ],
    power: [
      powerFigure(
        '94% → 89%, 100 req/s',
        rate(100, 45, drop),
        options.powerRuns,
        seed + 4,
        3,
        successFail,
        'start',
      ),
      powerFigure(
        '94% → 89%, 5 req/s',
        rate(5, 180, drop),
        options.powerRuns,
        seed + 5,
        30,
        successFail,
        'start',
      ),
      powerFigure(
        '94% → 89%, seed gates (α/3), 5 req/s',
        { ...seedPack(5, 180, { ...SEED_ARM, successRate: 0.89 }) },
        options.latencyRuns,
        seed + 6,
        30,
        successSeedFail,
        'start',
      ),
      powerFigure(
        'latency +800 ms, 100 req/s',
        seedPack(100, 45, slower),
        options.latencyRuns,
        seed + 7,
        2,
        latencyDetection,
        'minimum samples',
      ),
      powerFigure(
        'latency +800 ms, 5 req/s',
        seedPack(5, 180, slower),
        options.latencyRuns,
        seed + 8,
        2,
        latencyDetection,
        'minimum samples',
      ),
    ],
  };
}
