// A/A rows of the calibration alone, for one request rate: false rollbacks and SRM pauses per rollout over the seed
// pack's whole ramp, for each session length and intra-session correlation, through the real analysis. Prints a
// Markdown table (docs/calibration.md quotes it); the seeds per scenario are those of the full calibration.
//
//   CALIBRATION_RATE=100 CALIBRATION_ROLLOUTS=200 pnpm --filter @prompt-canary/bench run calibrate-aa

import { mulberry32, seedScenario, simulateRamp } from '@prompt-canary/analysis/calibration';

const seed = Number(process.env.CALIBRATION_SEED ?? 20261122);
const rate = Number(process.env.CALIBRATION_RATE ?? 100);
const rollouts = Number(process.env.CALIBRATION_ROLLOUTS ?? 200);
const turnsList = (process.env.CALIBRATION_TURNS ?? '1,3,6,12').split(',').map(Number);
const rhos = (process.env.CALIBRATION_RHOS ?? '0,0.1,0.2').split(',').map(Number);

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
      const run = simulateRamp(seedScenario(rate, turns, rho), random);
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
