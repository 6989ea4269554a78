// Calibration of the canary analysis (STATISTICS.md "Calibration"): A/A false-fail rates over whole rollouts and
// the power against a success-rate drop and a latency shift, through the real analysis code. Writes
// docs/calibration.md.
//
//   pnpm --filter @prompt-canary/bench run calibrate          (expects packages/analysis/dist to be built)
//   CALIBRATION_SEED=7 CALIBRATION_AA_SLOW=1000 CALIBRATION_AA_FAST=100 pnpm --filter @prompt-canary/bench run calibrate
//
// Plain JavaScript on purpose, like the other benchmarks: it runs the built package, with no loader in the way.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calibrationMarkdown, runCalibration } from '@prompt-canary/analysis/calibration';

const options = {
  seed: Number(process.env.CALIBRATION_SEED ?? 20261122),
  aaSlow: Number(process.env.CALIBRATION_AA_SLOW ?? 1000),
  aaFast: Number(process.env.CALIBRATION_AA_FAST ?? 100),
  powerRuns: Number(process.env.CALIBRATION_POWER ?? 100),
};

const started = performance.now();
const report = runCalibration(options);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const env = ['SEED', 'AA_SLOW', 'AA_FAST', 'POWER']
  .filter((k) => process.env[`CALIBRATION_${k}`] !== undefined)
  .map((k) => `CALIBRATION_${k}=${process.env[`CALIBRATION_${k}`]} `)
  .join('');
const markdown = calibrationMarkdown(report, {
  command: `${env}pnpm --filter @prompt-canary/bench run calibrate`,
  date: new Date().toISOString().slice(0, 10),
  seconds: (performance.now() - started) / 1000,
});
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'calibration.md');
writeFileSync(out, markdown);
process.stdout.write(`${markdown}\n(${seconds} s; written to ${out})\n`);
