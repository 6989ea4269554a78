import { formatCount, formatPercent } from './format.js';
import { msprt } from './msprt.js';
import { type SequentialCheckState, updateSequentialCheck } from './sequential-state.js';
import type { UnitExposures } from './unit-exposures.js';

/** Split-assigned span counts of one time slice and the canary weight the split served then (0..1). */
export interface SrmSlice {
  stable: number;
  canary: number;
  /** Effective canary weight during the slice, as a fraction (10% → 0.1). */
  expectedShare: number;
}

/** The sample-ratio-mismatch verdict, API.md's `srm`. `n/a` during segment phases. */
export interface SrmResult {
  /** Canary share the split should have produced, weighted slice by slice; `null` without data. */
  expectedShare: number | null;
  /** Canary share of the split-assigned spans seen; `null` without data. */
  observedShare: number | null;
  result: 'Pass' | 'Fail' | 'Inconclusive' | 'n/a';
  /** Split-assigned units (unit input; estimated totals when sampled) or spans (slice input) counted. */
  n: number;
  /** Distinct units per arm at first exposure (estimated totals: sampled counts × 2^level), with unit input. */
  units?: { stable: number; canary: number };
  /** Always-valid p-value (running minimum over the looks). */
  pValue?: number;
  reason: string;
}

/** Input of {@link checkSampleRatio}. */
export interface SrmInput {
  /**
   * Request-level input, for spans without a unit: per-slice split span counts. Counting requests understates
   * the variance when units send several (STATISTICS.md); prefer `units`.
   */
  slices?: readonly SrmSlice[];
  /** Units at first exposure over the rollout (takes precedence over `slices`). */
  units?: UnitExposures;
  state?: SequentialCheckState;
  /** Default {@link SRM_ALPHA}. */
  alpha?: number;
  /** Default {@link SRM_TAU}. */
  tau?: number;
  /** Split-assigned units (or spans) needed before judging; default 100. */
  minSamples?: number;
}

/** Level of the SRM test: a mismatch pauses the rollout, so it must be rare by chance. */
export const SRM_ALPHA = 0.001;

/** Mixing variance of the SRM test: a 1-point share deviation, squared. */
export const SRM_TAU = 0.01 ** 2;

/** The SRM result for phases where the check does not run (segment phases). */
export function srmNotApplicable(reason = 'segment phase: no split to check'): SrmResult {
  return { expectedShare: null, observedShare: null, result: 'n/a', n: 0, reason };
}

/**
 * Sequential sample-ratio-mismatch check: the mSPRT of STATISTICS.md, two-sided, on the canary's share of
 * split-assigned units at first exposure (or, with `slices` only, of spans) against the share expected from the
 * split weight each was exposed at. Over units with weights w_i the expected share is Σ w_i / N and the variance
 * of the observed share under a correct split is Σ w_i·(1 − w_i) / N² (w(1 − w)/N when the weight never changed).
 * With {@link UnitExposures} the counts are those of its hash sample, an exact test of the same hypothesis.
 *
 * @example
 * ```ts
 * checkSampleRatio({ units: exposures, state }).srm.result; // 'Pass' | 'Fail' | 'Inconclusive'
 * ```
 */
export function checkSampleRatio(input: SrmInput): {
  srm: SrmResult;
  state: SequentialCheckState | undefined;
} {
  const alpha = input.alpha ?? SRM_ALPHA;
  const tau = input.tau ?? SRM_TAU;
  const minSamples = input.minSamples ?? 100;
  let n = 0;
  let canary = 0;
  let expected = 0;
  let varianceSum = 0;
  let scale = 1;
  const what = input.units !== undefined ? 'units' : 'spans';
  if (input.units !== undefined) {
    const c = input.units.counts();
    n = c.stable + c.canary;
    canary = c.canary;
    expected = c.expected;
    varianceSum = c.variance;
    scale = c.scale;
  } else {
    for (const slice of input.slices ?? []) {
      const m = slice.stable + slice.canary;
      if (m <= 0) continue;
      const w = Math.min(1, Math.max(0, slice.expectedShare));
      n += m;
      canary += slice.canary;
      expected += m * w;
      varianceSum += m * w * (1 - w);
    }
  }
  const units =
    input.units === undefined ? undefined : { stable: (n - canary) * scale, canary: canary * scale };
  const withUnits = <T extends SrmResult>(r: T): T => (units === undefined ? r : { ...r, units });
  if (n === 0) {
    return {
      srm: withUnits({
        expectedShare: null,
        observedShare: null,
        result: 'Inconclusive',
        n,
        reason: `no split-assigned ${what}`,
      }),
      state: input.state,
    };
  }
  const expectedShare = expected / n;
  const observedShare = canary / n;
  const sampled = scale > 1 ? ` (a 1/${formatCount(scale)} hash sample of units)` : '';
  const counts =
    input.units !== undefined
      ? `${formatCount(canary * scale)} of ${formatCount(n * scale)} split-assigned units${sampled}`
      : `${formatCount(canary)} of ${formatCount(n)} split-assigned spans; unit unknown: requests treated as independent`;
  const shares = `canary share ${formatPercent(observedShare)} vs expected ${formatPercent(expectedShare)}`;
  if (n < minSamples) {
    return {
      srm: withUnits({
        expectedShare,
        observedShare,
        result: 'Inconclusive',
        n: n * scale,
        reason: `${shares}: too few ${what} (${counts})`,
      }),
      state: input.state,
    };
  }
  const look = msprt(observedShare - expectedShare, varianceSum / (n * n), input.state?.tau ?? tau, alpha);
  const state = updateSequentialCheck(input.state, { p: look.p, tau: input.state?.tau ?? tau });
  const failed = state.minP <= alpha;
  const verdict = failed ? `sample ratio mismatch (p=${state.minP.toPrecision(2)} ≤ ${alpha})` : 'consistent';
  return {
    srm: withUnits({
      expectedShare,
      observedShare,
      result: failed ? 'Fail' : 'Pass',
      n: n * scale,
      pValue: state.minP,
      reason: `${shares} (${counts}): ${verdict}`,
    }),
    state,
  };
}
