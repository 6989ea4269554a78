import { describe, expect, test } from 'vitest';
import { buildRolloutPlan } from './rollout-plan.js';
import { planOf, rolloutSpec } from './testing/rollout-fixtures.js';

const weights = (plan: { steps: ReadonlyArray<{ weight: number }> }) => plan.steps.map((step) => step.weight);

describe('ramp steps', () => {
  test('canaryWeight 10 and stepWeight 10 ramp 10, 20, … 100 with stepInterval as each minimum duration', () => {
    const plan = planOf({ canaryWeight: 10, stepWeight: 10, stepInterval: '5m' });
    expect(weights(plan)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(plan.steps.slice(0, -1).every((step) => step.minDurationMs === 300_000)).toBe(true);
  });

  test('the 100% step waits monitorFor, not stepInterval, so the seed ramp takes 45 minutes to reach 100%', () => {
    const plan = planOf({ canaryWeight: 10, stepWeight: 10, stepInterval: '5m', monitorFor: '1h' });
    expect(plan.steps.at(-1)).toEqual({
      weight: 100,
      minDurationMs: 0,
      approval: false,
      monitorForMs: 3_600_000,
    });
    const toReach100 = plan.steps.slice(0, -1).reduce((sum, step) => sum + step.minDurationMs, 0);
    expect(toReach100).toBe(45 * 60_000);
  });

  test('maxWeight is the last ramp weight; passing it goes to 100%', () => {
    expect(weights(planOf({ canaryWeight: 5, stepWeight: 20, maxWeight: 50 }))).toEqual([5, 25, 45, 50, 100]);
  });

  test('an uneven step stops at maxWeight instead of overshooting it', () => {
    expect(weights(planOf({ canaryWeight: 10, stepWeight: 25 }))).toEqual([10, 35, 60, 85, 100]);
  });

  test('stepWeight defaults to canaryWeight and the interval to 5m', () => {
    const plan = planOf({ canaryWeight: 25 });
    expect(weights(plan)).toEqual([25, 50, 75, 100]);
    expect(plan.steps[0]?.minDurationMs).toBe(300_000);
  });

  test('a pack with no ramp fields, steps or schedule gets the default ramp', () => {
    expect(weights(planOf({}))).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  test('explicit steps keep their durations and approval, and the 100% step its monitorFor', () => {
    const plan = planOf({
      steps: [
        { weight: 1, minDuration: '4h' },
        { weight: 50, minDuration: '48h', approval: 'required' },
        { weight: 100, monitorFor: '72h' },
      ],
    });
    expect(plan.steps).toEqual([
      { weight: 1, minDurationMs: 14_400_000, approval: false, monitorForMs: 0 },
      { weight: 50, minDurationMs: 172_800_000, approval: true, monitorForMs: 0 },
      { weight: 100, minDurationMs: 0, approval: false, monitorForMs: 259_200_000 },
    ]);
  });

  test('explicit steps that stop short of 100% get a final 100% step with the rollout monitorFor', () => {
    const plan = planOf({ steps: [{ weight: 5, minDuration: '1h' }], monitorFor: '30m' });
    expect(plan.steps.at(-1)).toEqual({
      weight: 100,
      minDurationMs: 0,
      approval: false,
      monitorForMs: 1_800_000,
    });
  });

  test('a schedule-only pack has no ramp steps: its windows serve until it is promoted', () => {
    const plan = planOf({ schedule: [{ window: '02:00-06:00 UTC', canaryWeight: '50%' }] });
    expect(plan.steps).toEqual([]);
    expect(plan.windows).toEqual([{ daily: '02:00-06:00', canaryWeight: 50 }]);
  });
});

describe('segment phases', () => {
  const segmented = {
    canaryWeight: 10,
    segments: [
      { name: 'internal_users', weight: '100%', duration: '24h' },
      { name: 'beta_users', match: { beta: true }, weight: '50%', duration: '12h' },
      { name: 'all_users', weight: 'progressive' },
    ],
  };

  test('run in order, named ones resolved from the definitions, inline ones from their match, progressive dropped', () => {
    const plan = planOf(segmented, { internal_users: { plan: 'internal' }, beta_users: { beta: 'ignored' } });
    expect(plan.segmentPhases).toEqual([
      { name: 'internal_users', condition: { plan: 'internal' }, weight: 100, durationMs: 86_400_000 },
      { name: 'beta_users', condition: { beta: true }, weight: 50, durationMs: 43_200_000 },
    ]);
  });

  test('an undefined named segment is an unknown_segment error at its path', () => {
    const result = buildRolloutPlan(rolloutSpec(segmented), new Map());
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'unknown_segment', path: ['spec', 'rollout', 'segments', 0, 'name'] },
    });
    if (!result.ok) expect(result.error.message).toContain('internal_users');
  });

  test('bucketBy is carried into the plan', () => {
    expect(planOf({ bucketBy: 'sessionId' }).bucketBy).toBe('sessionId');
  });
});

describe('schedule windows', () => {
  test('keep days, from and until, and exactly one weight kind', () => {
    const plan = planOf({
      canaryWeight: 10,
      schedule: [
        { window: '18:00-02:00 UTC', capWeight: 30, days: ['fri', 'sat'] },
        {
          window: '02:00-06:00',
          canaryWeight: 50,
          from: '2026-01-01T00:00:00Z',
          until: '2026-02-01T00:00:00Z',
        },
      ],
    });
    expect(plan.windows).toEqual([
      { daily: '18:00-02:00', capWeight: 30, days: ['fri', 'sat'] },
      { daily: '02:00-06:00', canaryWeight: 50, from: '2026-01-01T00:00:00Z', until: '2026-02-01T00:00:00Z' },
    ]);
  });
});
