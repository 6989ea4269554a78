import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isWindowOpen } from '../packs/schedule-window.js';
import { effectiveWeight } from '../rollouts/effective-weight.js';
import { inSegmentPhases, promote, type Rollout, resume } from '../rollouts/rollout-state.js';
import { startedRollout } from '../rollouts/testing/rollout-fixtures.js';
import type { LookCheck } from './analysis-source.js';
import { stageMinimumMs } from './rollout-machine.js';
import { check, type Driven, drive, passingChecks, withCheck } from './testing/machine-driver.js';

const T0 = Date.UTC(2026, 0, 5, 0);
const MIN = 60_000;
const analysis = {
  interval: '1m',
  failureThreshold: 2,
  minSamples: 100,
  maxInconclusive: '30m',
  metrics: [
    { name: 'success_rate', threshold: '90%' },
    { name: 'latency_p99', threshold: '3000ms' },
  ],
};

const SPECS: Array<{ name: string; spec: Record<string, unknown>; maxWeight: number }> = [
  {
    name: 'ramp to maxWeight 40',
    spec: { canaryWeight: 5, stepWeight: 15, stepInterval: '20m', maxWeight: 40, analysis },
    maxWeight: 40,
  },
  {
    name: 'ramp under a cap window',
    spec: {
      canaryWeight: 10,
      stepWeight: 20,
      stepInterval: '10m',
      maxWeight: 90,
      schedule: [{ window: '18:00-02:00', capWeight: 30 }],
      analysis,
    },
    maxWeight: 90,
  },
  {
    name: 'explicit steps with approval and segments',
    spec: {
      steps: [
        { weight: 1, minDuration: '1h' },
        { weight: 25, minDuration: '2h', approval: 'required' },
        { weight: 60, minDuration: '30m' },
        { weight: 100, monitorFor: '1h' },
      ],
      segments: [{ name: 'internal', match: { plan: 'internal' }, weight: 100, duration: '3h' }],
      analysis,
    },
    maxWeight: 60,
  },
];

type Outcome = 'pass' | 'fail' | 'inconclusive' | 'nodata' | 'few';
type Event =
  | { kind: 'look'; dtMs: number; outcome: Outcome }
  | { kind: 'operator'; dtMs: number; action: 'promote' | 'resume' };

const lookEvent = fc.record({
  kind: fc.constant('look' as const),
  // Mostly a minute, sometimes a jump of hours forward or back.
  dtMs: fc.oneof(
    { weight: 8, arbitrary: fc.constant(MIN) },
    { weight: 1, arbitrary: fc.integer({ min: MIN, max: 30 * 3_600_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: -6 * 3_600_000, max: -1 }) },
  ),
  outcome: fc.constantFrom<Outcome>('pass', 'pass', 'pass', 'pass', 'fail', 'inconclusive', 'nodata', 'few'),
});
const operatorEvent = fc.record({
  kind: fc.constant('operator' as const),
  dtMs: fc.constant(0),
  action: fc.constantFrom('promote' as const, 'resume' as const),
});
const events = fc.array(
  fc.oneof({ weight: 12, arbitrary: lookEvent }, { weight: 1, arbitrary: operatorEvent }),
  {
    maxLength: 200,
  },
);

function checksFor(outcome: Outcome): (rollout: Rollout) => readonly LookCheck[] {
  return (rollout) => {
    const checks = passingChecks(rollout);
    switch (outcome) {
      case 'pass':
        return checks;
      case 'fail':
        return withCheck(checks, 'latency_p99', {
          result: 'Fail',
          reason: 'latency_p99 canary 3,412 ms > 3,000 ms',
        });
      case 'inconclusive':
        return withCheck(checks, 'success_rate', { result: 'Inconclusive' });
      case 'nodata':
        return checks.filter((c) => c.metric !== 'success_rate');
      case 'few':
        // The analyzer says Pass but the samples are short of minSamples: the machine must not trust it.
        return withCheck(checks, 'success_rate', { n: { stable: 99, canary: 99 } });
    }
  };
}

function stageIndex(rollout: Rollout): number {
  return rollout.segmentPhaseIndex + rollout.stepIndex + (rollout.phase === 'Completed' ? 1 : 0);
}

function run(
  spec: Record<string, unknown>,
  script: readonly Event[],
  onCheck: (before: Driven, after: Driven, nowMs: number, outcome: Outcome) => void,
): void {
  let state = drive(startedRollout(spec, T0));
  let nowMs = T0;
  for (const event of script) {
    if (state.rollout.phase === 'Completed' || state.rollout.phase === 'RolledBack') break;
    nowMs += event.dtMs;
    if (event.kind === 'operator') {
      const act = event.action === 'promote' ? promote : resume;
      const result = act(state.rollout, { actor: 'alice', nowMs });
      if (result.ok) state = { ...state, rollout: result.rollout };
      continue;
    }
    const before = state;
    state = check(state, nowMs, checksFor(event.outcome));
    onCheck(before, state, nowMs, event.outcome);
  }
}

describe.each(SPECS)('the machine on a $name', ({ spec, maxWeight }) => {
  test('never passes maxWeight before the final promotion, nor an open capWeight; rollback is weight 0', () => {
    fc.assert(
      fc.property(events, (script) => {
        run(spec, script, (_before, after, nowMs) => {
          const { rollout } = after;
          if (rollout.phase === 'RolledBack') {
            expect(rollout.weight).toBe(0);
            expect(effectiveWeight(rollout, nowMs)).toBe(0);
            return;
          }
          if (!inSegmentPhases(rollout)) {
            const final =
              rollout.stepIndex === rollout.plan.steps.length - 1 || rollout.phase === 'Completed';
            if (!final) expect(rollout.weight).toBeLessThanOrEqual(maxWeight);
            const cap = rollout.plan.windows.find((w) => w.capWeight !== undefined && isWindowOpen(w, nowMs));
            if (cap?.capWeight !== undefined && rollout.weight < 100 && rollout.phase !== 'Completed') {
              expect(effectiveWeight(rollout, nowMs)).toBeLessThanOrEqual(cap.capWeight);
            }
          }
        });
      }),
      { seed: 20260105, numRuns: 300 },
    );
  });

  test('moves at most one stage per check, only after its minimum duration and with every metric passing', () => {
    fc.assert(
      fc.property(events, (script) => {
        run(spec, script, (before, after, nowMs, outcome) => {
          const moved = stageIndex(after.rollout) - stageIndex(before.rollout);
          expect(moved === 0 || moved === 1).toBe(true);
          if (moved === 0) return;
          expect(outcome).toBe('pass');
          const elapsed = nowMs - Date.parse(before.rollout.stageStartedAt);
          expect(elapsed).toBeGreaterThanOrEqual(stageMinimumMs(before.rollout));
          expect(before.rollout.phase).toBe('Progressing');
        });
      }),
      { seed: 20260106, numRuns: 300 },
    );
  });

  test('while every check passes, the ramp weight never decreases and nothing pauses but approval', () => {
    const healthy = fc.array(
      fc.record({
        kind: fc.constant('look' as const),
        dtMs: fc.oneof(fc.constant(MIN), fc.integer({ min: -3_600_000, max: 10 * 3_600_000 })),
        outcome: fc.constant<Outcome>('pass'),
      }),
      { maxLength: 150 },
    );
    fc.assert(
      fc.property(healthy, (script) => {
        run(spec, script, (before, after) => {
          expect(after.rollout.phase).not.toBe('RolledBack');
          if (after.rollout.phase === 'Paused') expect(after.rollout.pauseCause).toBe('AwaitingApproval');
          if (!inSegmentPhases(before.rollout)) {
            expect(after.rollout.weight).toBeGreaterThanOrEqual(before.rollout.weight);
          }
        });
      }),
      { seed: 20260107, numRuns: 200 },
    );
  });
});
