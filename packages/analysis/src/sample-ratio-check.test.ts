import { describe, expect, it } from 'vitest';
import { binomial, mulberry32 } from './calibration/prng.js';
import { checkSampleRatio, type SrmSlice } from './sample-ratio-check.js';
import type { SequentialCheckState } from './sequential-state.js';
import { UnitExposures } from './unit-exposures.js';

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
      'canary share 30.0% vs expected 30.0% (600 of 2,000 split-assigned spans; unit unknown: requests treated as independent): consistent',
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

describe('checkSampleRatio on units (UnitExposures)', () => {
  it('counts each unit once, at its first exposure, and catches 12% against an expected 10%', () => {
    const exposures = new UnitExposures();
    for (let i = 0; i < 20_000; i++) {
      const canary = i % 100 < 12;
      // Every unit sends three requests; a later one is seen first by another replica (earliest wins).
      for (let turn = 0; turn < 3; turn++)
        exposures.add(`u${i}`, canary ? 'canary' : 'stable', 0.1, 1000 + turn);
    }
    const { srm } = checkSampleRatio({ units: exposures });
    expect(srm.units).toEqual({ stable: 17_600, canary: 2_400 });
    expect(srm.result).toBe('Fail');
  });

  it('passes a correct split pooled over steps, with the weight at each unit first exposure', () => {
    const exposures = new UnitExposures();
    // Sticky split: bucket < weight is canary. Units first seen at 10%, then at 20%; the 10–20% bucket moves.
    for (let i = 0; i < 10_000; i++) exposures.add(`a${i}`, i % 100 < 10 ? 'canary' : 'stable', 0.1, 0);
    for (let i = 0; i < 10_000; i++) exposures.add(`a${i}`, i % 100 < 20 ? 'canary' : 'stable', 0.2, 60_000);
    for (let i = 0; i < 10_000; i++) exposures.add(`b${i}`, i % 100 < 20 ? 'canary' : 'stable', 0.2, 60_000);
    const { srm } = checkSampleRatio({ units: exposures });
    expect(srm.expectedShare).toBeCloseTo(0.15, 10);
    expect(srm.observedShare).toBeCloseTo(0.15, 10);
    expect(srm.result).toBe('Pass');
  });

  it('keeps memory bounded by sampling units by hash, and merges replicas exactly', () => {
    const a = new UnitExposures(1000);
    const b = new UnitExposures(1000);
    const all = new UnitExposures(1000);
    for (let i = 0; i < 50_000; i++) {
      const arm = i % 10 === 0 ? 'canary' : 'stable';
      (i % 2 === 0 ? a : b).add(`u${i}`, arm, 0.1, i);
      all.add(`u${i}`, arm, 0.1, i);
    }
    expect(all.size).toBeLessThanOrEqual(1000);
    expect(all.level).toBeGreaterThan(0);
    const merged = a.merge(b);
    expect(merged.serialize()).toEqual(all.serialize());
    const c = merged.counts();
    expect((c.stable + c.canary) * c.scale).toBeGreaterThan(50_000 * 0.8);
    expect((c.stable + c.canary) * c.scale).toBeLessThan(50_000 * 1.2);
    expect(UnitExposures.deserialize(JSON.parse(JSON.stringify(merged.serialize()))).serialize()).toEqual(
      merged.serialize(),
    );
  });
});
