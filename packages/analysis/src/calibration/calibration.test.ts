import { describe, expect, it } from 'vitest';
import { runCalibration } from './run-calibration.js';

// A small, fixed-seed version of the full calibration (bench/analysis-calibration.js), so CI keeps the statistics
// honest. Bounds are loose: the full run's figures are in docs/calibration.md.
describe('calibration (small)', () => {
  const report = runCalibration({
    seed: 20_261_122,
    aaRollouts: 100,
    aaFullRollouts: 10,
    powerRuns: 50,
    latencyRuns: 20,
  });
  const power = (name: string) => report.power.find((f) => f.name === name);

  it('keeps A/A false fails of the sequential checks rare over whole rollouts', () => {
    for (const figure of report.aa) {
      expect(figure.sequentialFalseFails / figure.rollouts, figure.name).toBeLessThanOrEqual(0.03);
      expect(figure.srmFalseFails, figure.name).toBe(0);
    }
  });

  it('catches 94% → 89% within 3 looks at 100 req/s', () => {
    expect(power('94% → 89%, 100 req/s')?.detectedWithinGoal).toBeGreaterThanOrEqual(0.95);
  });

  it('catches 94% → 89% within 30 looks at 5 req/s in most runs', () => {
    expect(power('94% → 89%, 5 req/s')?.detectedWithinGoal).toBeGreaterThanOrEqual(0.85);
  });

  it('catches +800 ms latency within 2 looks of reaching minimum samples', () => {
    expect(power('latency +800 ms, 100 req/s')?.detectedWithinGoal).toBeGreaterThanOrEqual(0.95);
    expect(power('latency +800 ms, 5 req/s')?.detectedWithinGoal).toBeGreaterThanOrEqual(0.9);
  });
});
