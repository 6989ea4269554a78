// Calibration of the blue-green rollback window: false rollbacks per switch when the new version is the old one
// (stationary traffic), what traffic that drifts with time does to a before/after comparison, and how fast a real
// regression rolls back, all through the real analysis (`simulateSwitch` → `analyze()`), as canaryd looks during the
// window. Prints Markdown tables; docs/calibration.md quotes them with the command that made them.
//
//   nice -n 10 pnpm --filter @prompt-canary/bench run calibrate-bluegreen   (expects packages/analysis/dist built)
//
// Sizes (defaults: the run in docs/calibration.md, about 12 minutes of CPU): BLUEGREEN_SLOW=400 and BLUEGREEN_FAST=25
// switches per stationary cell at 5 and 100 req/s, BLUEGREEN_DRIFT_SLOW=100 and BLUEGREEN_DRIFT_FAST=10 per drifting
// scenario, BLUEGREEN_POWER=50 per regression; BLUEGREEN_RATES, BLUEGREEN_TURNS and BLUEGREEN_RHOS narrow the grid
// (comma-separated), BLUEGREEN_SEED changes the seed. BLUEGREEN_POOLS=2 gives the window half the α, as a preview
// that splits traffic does (the stationary grid only).
//
// Plain JavaScript on purpose, like the other benchmarks: it runs the built package, with no loader in the way.

import { blueGreenMarkdown, runBlueGreenCalibration } from '@prompt-canary/analysis/calibration';

const num = (name, fallback) => Number(process.env[name] ?? fallback);
const list = (name) => process.env[name]?.split(',').map(Number);
const options = {
  seed: num('BLUEGREEN_SEED', 20261202),
  aaSlow: num('BLUEGREEN_SLOW', 400),
  aaFast: num('BLUEGREEN_FAST', 25),
  driftSlow: num('BLUEGREEN_DRIFT_SLOW', 100),
  driftFast: num('BLUEGREEN_DRIFT_FAST', 10),
  powerRuns: num('BLUEGREEN_POWER', 50),
  pools: num('BLUEGREEN_POOLS', 1),
  ...(list('BLUEGREEN_RATES') === undefined ? {} : { rates: list('BLUEGREEN_RATES') }),
  ...(list('BLUEGREEN_TURNS') === undefined ? {} : { turns: list('BLUEGREEN_TURNS') }),
  ...(list('BLUEGREEN_RHOS') === undefined ? {} : { rhos: list('BLUEGREEN_RHOS') }),
};

const started = performance.now();
const report = runBlueGreenCalibration(options);
const seconds = ((performance.now() - started) / 1000).toFixed(0);
process.stdout.write(`${blueGreenMarkdown(report)}\n\n(${seconds} s; options ${JSON.stringify(options)})\n`);
