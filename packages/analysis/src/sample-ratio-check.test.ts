import { describe, expect, it } from 'vitest';
import { binomial, mulberry32 } from './calibration/prng.js';
import { checkSampleRatio, type SrmSlice } from './sample-ratio-check.js';
import type { SequentialCheckState } from './sequential-state.js';

/** Looks once a minute at 100 split-assigned spans/s, routed to the canary with probability `share`. */
function run(seed: number, share: number, expected: number, looks: number): string[] {
  const random = mulberry32(seed);
  const slices: SrmSlice[] = [];
  let state: SequentialCheckState | undefined;
  const results: string[] = [];
  for (let i = 0; i < looks; i++) {
    const canary = binomial(random, 6000, share);
    slices.push({ stable: 6000 - canary, canary, expectedShare: expected });
    const out = checkSampleRatio({ slices, ...(state === undefined ? {} : { state }) });
    state = out.state;
    results.push(out.srm.result);
  }
  return results;
}

describe('checkSampleRatio', () => {
  it('detects a routing bug serving 12% instead of 10% within a few looks', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(run(seed, 0.12, 0.1, 5)).toContain('Fail');
    }
  });

  it('passes a correct split over a whole rollout', () => {
    for (const seed of [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]) {
      expect(run(seed, 0.1, 0.1, 60)).not.toContain('Fail');
    }
  });

  it('builds the expected share slice by slice from the weight in force', () => {
    const out = checkSampleRatio({
      slices: [
        { stable: 900, canary: 100, expectedShare: 0.1 },
        { stable: 500, canary: 500, expectedShare: 0.5 },
      ],
    });
    expect(out.srm.expectedShare).toBeCloseTo(0.3, 12);
    expect(out.srm.observedShare).toBeCloseTo(0.3, 12);
    expect(out.srm.result).toBe('Pass');
    expect(out.srm.reason).toBe(
      'canary share 30.0% vs expected 30.0% (600 of 2,000 split-assigned spans): consistent',
    );
  });

  it('flags a single-slice 12% share against 10% expected at 10,000 spans', () => {
    const out = checkSampleRatio({ slices: [{ stable: 8800, canary: 1200, expectedShare: 0.1 }] });
    expect(out.srm.result).toBe('Fail');
    expect(out.state?.minP).toBeLessThan(0.001);
  });

  it('is Inconclusive without enough spans', () => {
    expect(checkSampleRatio({ slices: [] }).srm.result).toBe('Inconclusive');
    expect(checkSampleRatio({ slices: [{ stable: 40, canary: 10, expectedShare: 0.1 }] }).srm.result).toBe(
      'Inconclusive',
    );
  });
});
