import type { AnalysisConfig } from '../analysis-config.js';
import { analyze } from '../analyze.js';
import { ArmAggregate } from '../arm-aggregate.js';
import type { SpanObservation } from '../observation.js';
import type { SrmSlice } from '../sample-ratio-check.js';
import type { SequentialState } from '../sequential-state.js';
import { binomial, normal, type Random } from './prng.js';

/** How one arm's requests behave in a simulation. */
export interface ArmModel {
  /** Probability that a request succeeds. */
  successRate: number;
  /** Log-normal latency (median, σ of the log) plus a constant shift; omitted: every request takes 1,000 ms. */
  latency?: { medianMs: number; sigma: number; shiftMs?: number };
  /** Normal token counts per request (rounded, at least 0); omitted: no tokens reported. */
  tokens?: { mean: number; sd: number };
}

/** A simulated rollout: traffic, split, truth per arm, the analysis config and how many looks. */
export interface RolloutScenario {
  requestsPerSecond: number;
  /** Canary share of the split (0.1 = 10%). */
  canaryWeight: number;
  /** Looks, one per interval, for the whole rollout (a run may stop earlier, see `stopAtFirstFail`). */
  looks: number;
  /** Default 60 s. */
  intervalSeconds?: number;
  stable: ArmModel;
  canary: ArmModel;
  config: AnalysisConfig;
  /** Stop the run at the first failing check (power runs); A/A runs go to the end. */
  stopAtFirstFail?: boolean;
}

/** What happened in one simulated rollout. Looks are numbered from 1. */
export interface RolloutRun {
  /** First look with any failing metric check, or `null`. */
  firstFail: number | null;
  /** First failing look per check (`metric:kind`). */
  firstFailByCheck: Record<string, number>;
  /** First look at which each check was conclusive (Pass or Fail), i.e. had its minimum samples. */
  firstConclusiveByCheck: Record<string, number>;
  /** First look with a sample-ratio mismatch, or `null`. */
  srmFail: number | null;
  /** Looks actually run. */
  looks: number;
}

const NO_ATTRIBUTES: Record<string, number | boolean> = {};

function request(error: boolean, durationMs: number): SpanObservation {
  return {
    flagKey: 'sim',
    variant: 'sim',
    splitAssigned: true,
    endTimeMs: 0,
    durationMs,
    error,
    attributes: NO_ATTRIBUTES,
  };
}

/** Adds `n` simulated requests of `model` to `agg`: in bulk when every request looks alike, one by one otherwise. */
function addRequests(agg: ArmAggregate, model: ArmModel, n: number, random: Random): void {
  if (n <= 0) return;
  if (model.latency === undefined && model.tokens === undefined) {
    const errors = binomial(random, n, 1 - model.successRate);
    if (errors > 0) agg.addSpan(request(true, 1000), errors);
    if (n - errors > 0) agg.addSpan(request(false, 1000), n - errors);
    return;
  }
  const { latency, tokens } = model;
  for (let i = 0; i < n; i++) {
    const durationMs =
      latency === undefined
        ? 1000
        : latency.medianMs * Math.exp(latency.sigma * normal(random)) + (latency.shiftMs ?? 0);
    const obs = request(random() >= model.successRate, durationMs);
    if (tokens !== undefined)
      obs.inputTokens = Math.max(0, Math.round(tokens.mean + tokens.sd * normal(random)));
    agg.addSpan(obs);
  }
}

/**
 * Plays one rollout through the real analysis: each interval, requests are split between the arms at the canary
 * weight, each arm's slice is aggregated, hard limits see the slice, the sequential checks see everything so far,
 * the SRM check sees every slice, and the sequential state is carried from look to look.
 */
export function simulateRollout(scenario: RolloutScenario, random: Random): RolloutRun {
  const perLook = Math.round(scenario.requestsPerSecond * (scenario.intervalSeconds ?? 60));
  const stableTotal = new ArmAggregate();
  const canaryTotal = new ArmAggregate();
  const slices: SrmSlice[] = [];
  let state: SequentialState | undefined;
  const run: RolloutRun = {
    firstFail: null,
    firstFailByCheck: {},
    firstConclusiveByCheck: {},
    srmFail: null,
    looks: 0,
  };
  for (let look = 1; look <= scenario.looks; look++) {
    const canaryN = binomial(random, perLook, scenario.canaryWeight);
    const stableSlice = new ArmAggregate();
    const canarySlice = new ArmAggregate();
    addRequests(stableSlice, scenario.stable, perLook - canaryN, random);
    addRequests(canarySlice, scenario.canary, canaryN, random);
    stableTotal.absorb(stableSlice);
    canaryTotal.absorb(canarySlice);
    slices.push({ stable: perLook - canaryN, canary: canaryN, expectedShare: scenario.canaryWeight });
    const out = analyze({
      config: scenario.config,
      window: { stable: stableTotal, canary: canaryTotal },
      lastInterval: { stable: stableSlice, canary: canarySlice },
      cumulative: { stable: stableTotal, canary: canaryTotal },
      srm: slices,
      ...(state === undefined ? {} : { state }),
    });
    state = out.state;
    run.looks = look;
    for (const check of out.checks) {
      const key = `${check.metric}:${check.kind}`;
      if (check.result !== 'Inconclusive') run.firstConclusiveByCheck[key] ??= look;
      if (check.result === 'Fail') run.firstFailByCheck[key] ??= look;
    }
    if (out.srm.result === 'Fail') run.srmFail ??= look;
    if (run.firstFail === null && out.checks.some((c) => c.result === 'Fail')) run.firstFail = look;
    if (scenario.stopAtFirstFail === true && run.firstFail !== null) break;
  }
  return run;
}
