import { compileFlag, type EvaluationContext, type Flag, parseFlag } from '@prompt-canary/rules';
import { describe, expect, test } from 'vitest';
import { compileRolloutFlag, compileStableFlag } from './compile-rollout-flag.js';
import { effectiveWeight } from './effective-weight.js';
import { promote, type Rollout, rollback, type TransitionResult } from './rollout-state.js';
import { startedRollout } from './testing/rollout-fixtures.js';

const T0 = Date.UTC(2026, 0, 5, 12); // Monday 12:00 UTC
const at = (hour: number, minute = 0) => Date.UTC(2026, 0, 5, hour, minute);
const SAMPLE = 4000;

function next(result: TransitionResult): Rollout {
  if (!result.ok) throw new Error(result.message);
  return result.rollout;
}

function promoteTimes(rollout: Rollout, times: number): Rollout {
  let current = rollout;
  for (let i = 0; i < times; i += 1) current = next(promote(current, { actor: 'a', nowMs: T0 }));
  return current;
}

function flagOf(rollout: Rollout, nowMs = T0): Flag {
  // Round-trip through the rules model's validation: the daemon serves only flags that pass it.
  return parseFlag(compileRolloutFlag({ pack: 'support-prompts', rollout, nowMs }));
}

function evaluate(flag: Flag, context: EvaluationContext, nowMs: number) {
  return compileFlag(flag).evaluate(context, nowMs);
}

/** The share of `SAMPLE` distinct units (with `extra` attributes) that get the canary version at `nowMs`. */
function canaryShare(flag: Flag, nowMs: number, extra: Record<string, unknown> = {}): number {
  const compiled = compileFlag(flag);
  let canary = 0;
  for (let i = 0; i < SAMPLE; i += 1) {
    if (compiled.evaluate({ targetingKey: `user-${i}`, ...extra }, nowMs).variant === '2.4.0') canary += 1;
  }
  return canary / SAMPLE;
}

const segmented = {
  canaryWeight: 10,
  stepWeight: 10,
  segments: [
    { name: 'internal_users', weight: '100%', duration: '24h' },
    { name: 'beta_users', weight: '50%', duration: '12h' },
    { name: 'all_users', weight: 'progressive' },
  ],
};
const definitions = { internal_users: { plan: 'internal' }, beta_users: { beta: true } };

describe('segment phases', () => {
  const phase1 = startedRollout(segmented, T0, definitions);
  const phase2 = promoteTimes(phase1, 1);

  test('during the first phase, only the first segment gets the canary; everyone else stays stable', () => {
    const flag = flagOf(phase1);
    expect(evaluate(flag, { targetingKey: 'u1', plan: 'internal' }, T0)).toMatchObject({
      value: '2.4.0',
      reason: 'TARGETING_MATCH',
    });
    expect(evaluate(flag, { targetingKey: 'u1', beta: true }, T0)).toMatchObject({
      value: '2.3.1',
      reason: 'DEFAULT',
    });
    expect(canaryShare(flag, T0)).toBe(0);
  });

  test('during the second phase, both segments get the canary at their weights, reason TARGETING_MATCH', () => {
    const flag = flagOf(phase2);
    expect(canaryShare(flag, T0, { plan: 'internal' })).toBe(1);
    expect(canaryShare(flag, T0, { beta: true })).toBeCloseTo(0.5, 1);
    expect(evaluate(flag, { targetingKey: 'u1', beta: true }, T0).reason).toBe('TARGETING_MATCH');
    expect(canaryShare(flag, T0)).toBe(0);
  });

  test('on the ramp, segments keep their weight while it exceeds the ramp weight', () => {
    const ramp10 = flagOf(promoteTimes(phase2, 1));
    expect(canaryShare(ramp10, T0, { beta: true })).toBeCloseTo(0.5, 1);
    expect(canaryShare(ramp10, T0)).toBeCloseTo(0.1, 1);
    expect(evaluate(ramp10, { targetingKey: 'u1' }, T0).reason).toBe('SPLIT');
    const ramp60 = flagOf(promoteTimes(phase2, 6));
    expect(promoteTimes(phase2, 6).weight).toBe(60);
    expect(canaryShare(ramp60, T0, { beta: true })).toBeCloseTo(0.6, 1);
    expect(evaluate(ramp60, { targetingKey: 'u1', beta: true }, T0).reason).toBe('SPLIT');
    expect(canaryShare(ramp60, T0, { plan: 'internal' })).toBe(1);
  });
});

describe('schedule windows', () => {
  const schedule = [
    { window: '02:00-06:00 UTC', canaryWeight: '50%' },
    { window: '06:00-18:00 UTC', canaryWeight: '10%' },
    { window: '18:00-02:00 UTC', canaryWeight: '30%' },
  ];
  const scheduleOnly = startedRollout({ schedule }, T0);

  test.each([
    [at(3), 0.5],
    [at(12), 0.1],
    [at(23, 30), 0.3],
    [Date.UTC(2026, 0, 6, 1, 59), 0.3],
    [Date.UTC(2026, 0, 6, 2, 0), 0.5],
  ])('the schedule example serves the window weight at %i, across midnight too', (nowMs, share) => {
    const flag = flagOf(scheduleOnly, nowMs);
    expect(canaryShare(flag, nowMs)).toBeCloseTo(share, 1);
    expect(effectiveWeight(scheduleOnly, nowMs)).toBe(share * 100);
    expect(evaluate(flag, { targetingKey: 'u1' }, nowMs).reason).toBe('SPLIT');
  });

  test('outside every window a schedule-only rollout serves stable', () => {
    const partial = startedRollout({ schedule: [{ window: '02:00-06:00', canaryWeight: 50 }] }, T0);
    expect(canaryShare(flagOf(partial), at(12))).toBe(0);
    expect(effectiveWeight(partial, at(12))).toBe(0);
  });

  test('capWeight caps the ramp inside its window only', () => {
    const capped = promoteTimes(
      startedRollout(
        { canaryWeight: 20, stepWeight: 20, schedule: [{ window: '18:00-02:00', capWeight: 30 }] },
        T0,
      ),
      1,
    );
    expect(capped.weight).toBe(40);
    const flag = flagOf(capped);
    expect(canaryShare(flag, at(23))).toBeCloseTo(0.3, 1);
    expect(canaryShare(flag, at(12))).toBeCloseTo(0.4, 1);
    expect(effectiveWeight(capped, at(23))).toBe(30);
    expect(effectiveWeight(capped, at(12))).toBe(40);
  });

  test('windows no longer apply once the ramp reaches 100%', () => {
    const full = promoteTimes(
      startedRollout({ canaryWeight: 50, schedule: [{ window: '00:00-23:59', capWeight: 10 }] }, T0),
      1,
    );
    expect(full.weight).toBe(100);
    expect(canaryShare(flagOf(full), at(12))).toBe(1);
    expect(effectiveWeight(full, at(12))).toBe(100);
  });

  test('a window past its until is left out of the flag', () => {
    const expired = startedRollout(
      {
        canaryWeight: 10,
        schedule: [{ window: '00:00-12:00', canaryWeight: 50, until: '2026-01-01T00:00:00Z' }],
      },
      T0,
    );
    expect(flagOf(expired).rules?.map((rule) => rule.name)).toEqual(['ramp']);
  });
});

describe('finished rollouts', () => {
  const live = startedRollout({ canaryWeight: 50 }, T0);

  test('rolled back: every context gets the stable version, reason STATIC', () => {
    const flag = flagOf(next(rollback(live, { actor: 'a', nowMs: T0 })));
    expect(canaryShare(flag, T0)).toBe(0);
    expect(evaluate(flag, { targetingKey: 'u1' }, T0)).toMatchObject({ value: '2.3.1', reason: 'STATIC' });
    expect(flag.metadata).toMatchObject({ stableVersion: '2.3.1', rolloutPhase: 'RolledBack' });
  });

  test('completed: the canary is the new stable version for everyone', () => {
    const flag = flagOf(next(promote(live, { actor: 'a', nowMs: T0, full: true })));
    expect(evaluate(flag, {}, T0)).toMatchObject({ value: '2.4.0', reason: 'STATIC' });
    expect(flag.metadata).toMatchObject({ stableVersion: '2.4.0' });
  });
});

describe('the live flag', () => {
  test('has the versions as variants, stable as default and scalar metadata for providers', () => {
    const flag = flagOf(startedRollout({ canaryWeight: 10 }, T0));
    expect(flag).toMatchObject({
      key: 'support-prompts',
      state: 'ENABLED',
      variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
      defaultVariant: '2.3.1',
      metadata: { pack: 'support-prompts', rolloutId: 'r1', stableVersion: '2.3.1', canaryVersion: '2.4.0' },
    });
  });

  test('a context without the bucketBy attribute gets stable with reason DEFAULT', () => {
    const flag = flagOf(startedRollout({ canaryWeight: 100 }, T0));
    expect(evaluate(flag, { plan: 'x' }, T0)).toMatchObject({ value: '2.3.1', reason: 'DEFAULT' });
  });

  test('bucketBy makes a session sticky whatever its targeting key', () => {
    const flag = flagOf(startedRollout({ canaryWeight: 50, bucketBy: 'sessionId' }, T0));
    const variants = new Set(
      ['a', 'b', 'c', 'd'].map((key) => evaluate(flag, { targetingKey: key, sessionId: 's-42' }, T0).variant),
    );
    expect(variants.size).toBe(1);
  });

  test('a pack without rollout serves its one version, reason STATIC', () => {
    const flag = parseFlag(compileStableFlag('support-prompts', '2.3.1'));
    expect(evaluate(flag, { targetingKey: 'u' }, T0)).toMatchObject({ value: '2.3.1', reason: 'STATIC' });
  });
});
