import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.js';
import {
  blueGreenMarkdown,
  DRIFTS,
  runBlueGreenCalibration,
  switchScenario,
} from './run-bluegreen-calibration.js';
import { seedScenario } from './run-calibration.js';
import { simulateRamp } from './simulate-ramp.js';
import { simulateSwitch } from './simulate-switch.js';

// A small, fixed-seed slice of the full calibration (bench/analysis-calibration.js → docs/calibration.md), so CI
// keeps the statistics honest: sessions of 6 turns with intra-session correlation 0.2 make the request-level
// analysis fail A/A rollouts several times more often than these bounds allow.
// Deterministic CPU-bound simulations: the time limit only catches a hang. Each takes ~20 s on an idle core and took
// 66–104 s with the other core busy, so five minutes holds on a loaded machine.
const HANG_GUARD_MS = 300_000;

describe('calibration with sessions (small)', () => {
  it(
    'keeps A/A false rollbacks and SRM pauses rare over the whole seed ramp (5 req/s, 6 turns, ρ 0.2)',
    () => {
      const random = mulberry32(20_261_123);
      const rollouts = 200;
      let rollbacks = 0;
      let pauses = 0;
      let completed = 0;
      for (let i = 0; i < rollouts; i++) {
        const run = simulateRamp(seedScenario(5, 6, 0.2), random);
        if (run.rollbackLook !== null) rollbacks++;
        if (run.srmFail !== null) pauses++;
        if (run.completed) completed++;
      }
      expect(rollbacks / rollouts).toBeLessThanOrEqual(0.015);
      expect(pauses / rollouts).toBeLessThanOrEqual(0.015);
      expect(completed / rollouts).toBeGreaterThanOrEqual(0.97);
    },
    HANG_GUARD_MS,
  );

  it(
    'rolls back a 94% → 89% drop within 4 looks at 100 req/s (6 turns, ρ 0.1)',
    () => {
      const random = mulberry32(20_261_124);
      const runs = 20;
      let caught = 0;
      for (let i = 0; i < runs; i++) {
        const run = simulateRamp(
          seedScenario(100, 6, 0.1, {
            steps: [10],
            looksPerStep: 100,
            maxLooks: 4,
            canary: {
              successRate: 0.89,
              latency: { medianMs: 1200, sigma: 0.35 },
              tokens: { mean: 800, sd: 200 },
            },
          }),
          random,
        );
        const look =
          run.firstFailByCheck['success_rate:regression'] ?? run.firstFailByCheck['success_rate:threshold'];
        if (look !== undefined && look <= 4) caught++;
      }
      expect(caught / runs).toBeGreaterThanOrEqual(0.9);
    },
    HANG_GUARD_MS,
  );

  it(
    'pauses on a 12% vs 10% unit split within 10 looks at 100 req/s',
    () => {
      const random = mulberry32(20_261_125);
      const runs = 8;
      let caught = 0;
      for (let i = 0; i < runs; i++) {
        const run = simulateRamp(
          seedScenario(100, 6, 0.1, { steps: [10], looksPerStep: 100, maxLooks: 10, servedFactor: 1.2 }),
          random,
        );
        if (run.srmFail !== null && run.srmFail <= 10) caught++;
      }
      expect(caught).toBeGreaterThanOrEqual(7);
    },
    HANG_GUARD_MS,
  );

  it(
    'applies the controller gates: for holds a rollback back, notify never rolls back, startAfter waits',
    () => {
      const harmful = {
        steps: [10],
        looksPerStep: 100,
        maxLooks: 16,
        canary: {
          successRate: 0.7,
          latency: { medianMs: 2400, sigma: 0.35 },
          tokens: { mean: 800, sd: 200 },
        },
      };
      const play = (overrides: object) =>
        simulateRamp(seedScenario(20, 1, 0, { ...harmful, ...overrides }), mulberry32(7));
      const plain = play({ gates: {} }).rollbackLook;
      expect(plain).not.toBeNull();
      const notifyOnly = {
        config: {
          metrics: [
            { name: 'success_rate', threshold: 0.9, comparison: '>=', onFail: 'notify' },
            { name: 'latency_p99', threshold: 3000, comparison: '<=', onFail: 'notify' },
          ],
        },
      };
      expect(play({ ...notifyOnly, gates: {} }).rollbackLook).toBeNull();
      const sustained = play({
        gates: { success_rate: { forLooks: 5 }, latency_p99: { forLooks: 5 } },
      }).rollbackLook;
      expect(sustained).toBeGreaterThanOrEqual((plain ?? 0) + 3);
      expect(play({ startAfterLooks: 10 }).rollbackLook).toBe(11);
    },
    HANG_GUARD_MS,
  );
});

describe('blue-green switches (small)', () => {
  const seedArm = {
    successRate: 0.94,
    latency: { medianMs: 1200, sigma: 0.35 },
    tokens: { mean: 800, sd: 200 },
  };

  it(
    'plays the whole rollback window of stationary switches and rarely rolls one back (loose bound)',
    () => {
      const random = mulberry32(20_261_202);
      const switches = 40;
      let rollbacks = 0;
      for (let i = 0; i < switches; i++) {
        const run = simulateSwitch(switchScenario(5, 6, 0.2, { windowLooks: 15 }), random);
        if (run.rollbackLook === null) {
          expect(run).toMatchObject({ completed: true, looks: 15, rollbackChecks: [] });
        } else {
          rollbacks++;
          expect(run.rollbackChecks.length).toBeGreaterThan(0);
        }
      }
      expect(rollbacks).toBeLessThanOrEqual(4);
    },
    HANG_GUARD_MS,
  );

  it(
    'rolls back a gross regression after the switch within a few looks, on the regressed metric',
    () => {
      const run = simulateSwitch(
        switchScenario(20, 1, 0, { windowLooks: 10, new: { ...seedArm, successRate: 0.7 } }),
        mulberry32(11),
      );
      expect(run.rollbackLook).not.toBeNull();
      expect(run.rollbackLook ?? 99).toBeLessThanOrEqual(3);
      expect(run.rollbackChecks.some((key) => key.startsWith('success_rate:'))).toBe(true);
    },
    HANG_GUARD_MS,
  );

  it(
    'cannot tell a steep drift from a regression: latency +50% an hour rolls back on the comparison',
    () => {
      const run = simulateSwitch(
        switchScenario(20, 1, 0, { windowLooks: 20, drift: { latencyPerHour: 0.5 } }),
        mulberry32(12),
      );
      expect(run.rollbackChecks).toContain('latency_p99:regression');
    },
    HANG_GUARD_MS,
  );

  it(
    'reports every scenario of a tiny calibration with its counts, as Markdown tables',
    () => {
      const report = runBlueGreenCalibration({
        seed: 1,
        aaSlow: 2,
        aaFast: 0,
        driftSlow: 1,
        driftFast: 0,
        powerRuns: 1,
        rates: [5],
        turns: [1],
        rhos: [0],
      });
      expect(report.aa).toHaveLength(1);
      expect(report.aa[0]).toMatchObject({ requestsPerSecond: 5, switches: 2, windowLooks: 60 });
      expect(report.drift).toHaveLength(DRIFTS.length + 2);
      expect(report.power).toHaveLength(2);
      const markdown = blueGreenMarkdown(report);
      expect(markdown).toContain('### Stationary traffic');
      expect(markdown).toContain('### Drifting traffic, no version effect');
      expect(markdown).toContain('latency +5% an hour, 15-minute window, 5 req/s');
    },
    HANG_GUARD_MS,
  );
});
