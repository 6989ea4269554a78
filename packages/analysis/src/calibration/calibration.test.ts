import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.js';
import { seedScenario } from './run-calibration.js';
import { simulateRamp } from './simulate-ramp.js';

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
