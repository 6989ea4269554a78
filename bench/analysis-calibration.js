// Calibration of the canary analysis (STATISTICS.md "Calibration"): A/A false-fail rates over whole rollouts and
// the power against a success-rate drop and a latency shift, through the real analysis code. Writes
// docs/calibration.md.
//
//   pnpm --filter @prompt-canary/bench run calibrate          (expects packages/analysis/dist to be built)
//   CALIBRATION_SEED=7 CALIBRATION_AA=1000 pnpm --filter @prompt-canary/bench run calibrate
//
// Plain JavaScript on purpose, like the other benchmarks: it runs the built package, with no loader in the way.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrationMarkdown, runCalibration } from '@prompt-canary/analysis/calibration';

const options = {
  seed: Number(process.env.CALIBRATION_SEED ?? 20261122),
  aaRollouts: Number(process.env.CALIBRATION_AA ?? 1000),
  aaFullRollouts: Number(process.env.CALIBRATION_AA_FULL ?? 200),
  powerRuns: Number(process.env.CALIBRATION_POWER ?? 1000),
  latencyRuns: Number(process.env.CALIBRATION_LATENCY ?? 200),
};

const started = performance.now();
const report = runCalibration(options);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const markdown = calibrationMarkdown(report, {
  command: 'pnpm --filter @prompt-canary/bench run calibrate',
  date: new Date().toISOString().slice(0, 10),
});
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'calibration.md');
writeFileSync(out, markdown);
process.stdout.write(`${markdown}\n(${seconds} s; written to ${out})\n`);
