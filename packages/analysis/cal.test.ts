import { it } from 'vitest';
import { runCalibration } from './src/calibration/run-calibration.js';

it('x', () => {
  const t = performance.now();
  const r = runCalibration({
    seed: 42,
    aaRollouts: 200,
    aaFullRollouts: 10,
    powerRuns: 100,
    latencyRuns: 30,
  });
  console.log(JSON.stringify(r, null, 1), performance.now() - t);
}, 600_000);
