// A/A rows of the calibration alone, for one request rate: false rollbacks and SRM pauses per rollout over the seed
// pack's whole ramp, for each session length and intra-session correlation, through the real analysis. Prints a
// Markdown table (docs/calibration.md quotes it); the seeds per scenario are those of the full calibration.
//
//   CALIBRATION_RATE=100 CALIBRATION_ROLLOUTS=200 pnpm --filter @prompt-canary/bench run calibrate-aa
//
// CALIBRATION_GATES=1 plays the seed gates in the words of a sustained, observe-first pack: success_rate's limit
// with `for: 5m`, latency_p99's with `onFail: notify`, tokens_per_request's `maxIncrease: 50%`, and
// `startAfter: 10m`, counted per metric as the controller counts them.

import { mulberry32, seedScenario, simulateRamp } from '@prompt-canary/analysis/calibration';

const seed = Number(process.env.CALIBRATION_SEED ?? 20261122);
const rate = Number(process.env.CALIBRATION_RATE ?? 100);
const rollouts = Number(process.env.CALIBRATION_ROLLOUTS ?? 200);
const turnsList = (process.env.CALIBRATION_TURNS ?? '1,3,6,12').split(',').map(Number);
const rhos = (process.env.CALIBRATION_RHOS ?? '0,0.1,0.2').split(',').map(Number);
const gated =
  process.env.CALIBRATION_GATES === '1'
    ? {
        config: {
          metrics: [
            { name: 'success_rate', threshold: 0.9, comparison: '>=' },
            { name: 'latency_p99', threshold: 3000, comparison: '<=', onFail: 'notify' },
            { name: 'tokens_per_request', maxIncrease: 0.5 },
          ],
        },
        gates: { success_rate: { forLooks: 5 } },
        startAfterLooks: 10,
      }
    : {};

const pct = (k, n) => `${k} (${((100 * k) / n).toFixed(2)}%)`;
const rows = [];
let total = 0;
let rollbacks = 0;
let pauses = 0;
for (const turns of turnsList) {
  for (const rho of rhos) {
    const random = mulberry32(seed + rate * 1000 + turns * 10 + Math.round(rho * 10));
    let rb = 0;
    let any = 0;
    let srm = 0;
    for (let i = 0; i < rollouts; i++) {
      const run = simulateRamp(seedScenario(rate, turns, rho, gated), random);
      if (run.rollbackLook !== null) rb++;
      if (run.srmFail !== null) srm++;
      if (Object.keys(run.firstFailByCheck).length > 0) any++;
    }
    total += rollouts;
    rollbacks += rb;
    pauses += srm;
    rows.push(
      `| ${rate} | ${turns} | ${rho} | ${rollouts} | ${pct(rb, rollouts)} | ${pct(any, rollouts)} | ${pct(srm, rollouts)} |`,
    );
    console.error(rows.at(-1));
  }
}
console.log(`| req/s | mean turns | ρ | rollouts | false rollbacks | any failing look | SRM pauses |
|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

All together: ${pct(rollbacks, total)} false rollbacks and ${pct(pauses, total)} SRM pauses in ${total} rollouts (seed ${seed}).`);
