import { describe, expect, test } from 'vitest';
import {
  fastRollback,
  pause,
  promote,
  type Rollout,
  resume,
  rollback,
  type TransitionResult,
} from './rollout-state.js';
import { startedRollout } from './testing/rollout-fixtures.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;
const seedRamp = { canaryWeight: 10, stepWeight: 10, stepInterval: '5m' };

function ok(result: TransitionResult): Extract<TransitionResult, { ok: true }> {
  if (!result.ok) throw new Error(result.message);
  return result;
}

describe('starting', () => {
  test('a ramp starts Progressing at its first step weight', () => {
    const rollout = startedRollout(seedRamp, T0);
    expect(rollout).toMatchObject({ phase: 'Progressing', weight: 10, stepIndex: 0, segmentPhaseIndex: 0 });
    expect(rollout.startedAt).toBe('2026-01-05T12:00:00.000Z');
  });

  test('a segmented rollout starts at its first segment weight', () => {
    const rollout = startedRollout(
      {
        canaryWeight: 10,
        segments: [{ name: 'internal', match: { plan: 'internal' }, weight: 100, duration: '24h' }],
      },
      T0,
    );
    expect(rollout.weight).toBe(100);
  });

  test('a schedule-only rollout starts with a ramp weight of 0', () => {
    expect(startedRollout({ schedule: [{ window: '02:00-06:00', canaryWeight: 50 }] }, T0).weight).toBe(0);
  });
});

describe('pause and resume', () => {
  test('pause records the operator, their words and the Manual cause', () => {
    const { rollout, entry } = ok(
      pause(startedRollout(seedRamp, T0), { actor: 'alice', reason: 'checking', nowMs: T0 + MIN }),
    );
    expect(rollout).toMatchObject({
      phase: 'Paused',
      reason: 'Manual: checking',
      pauseCause: 'Manual',
      weight: 10,
    });
    expect(entry).toEqual({
      at: '2026-01-05T12:01:00.000Z',
      from: 'Progressing',
      to: 'Paused',
      weight: 10,
      actor: 'alice',
      reason: 'checking',
    });
  });

  test('pausing a paused rollout changes nothing and records nothing', () => {
    const paused = ok(pause(startedRollout(seedRamp, T0), { actor: 'a', nowMs: T0 })).rollout;
    const again = ok(pause(paused, { actor: 'b', nowMs: T0 + MIN }));
    expect(again.entry).toBeNull();
    expect(again.rollout).toBe(paused);
  });

  test('resume continues, and time spent paused does not count towards the step', () => {
    const paused = ok(pause(startedRollout(seedRamp, T0), { actor: 'a', nowMs: T0 + 2 * MIN })).rollout;
    const { rollout, entry } = ok(resume(paused, { actor: 'a', nowMs: T0 + 12 * MIN }));
    expect(rollout.phase).toBe('Progressing');
    expect(rollout.pausedAt).toBeUndefined();
    expect(Date.parse(rollout.stageStartedAt)).toBe(T0 + 10 * MIN);
    expect(entry?.to).toBe('Progressing');
  });

  test('resume does not approve a step awaiting approval', () => {
    const awaiting = ok(
      pause(startedRollout(seedRamp, T0), { actor: 'controller', nowMs: T0 }, 'AwaitingApproval'),
    ).rollout;
    const result = ok(resume(awaiting, { actor: 'a', nowMs: T0 }));
    expect(result.rollout.phase).toBe('Paused');
    expect(result.entry).toBeNull();
  });
});

describe('promote', () => {
  test('moves to the next step and restarts the step clock', () => {
    const { rollout, entry } = ok(promote(startedRollout(seedRamp, T0), { actor: 'a', nowMs: T0 + MIN }));
    expect(rollout).toMatchObject({ phase: 'Progressing', stepIndex: 1, weight: 20 });
    expect(Date.parse(rollout.stageStartedAt)).toBe(T0 + MIN);
    expect(entry?.reason).toBe('promoted to step 2 at 20%');
  });

  test('approves a step awaiting approval', () => {
    const awaiting = ok(
      pause(startedRollout(seedRamp, T0), { actor: 'controller', nowMs: T0 }, 'AwaitingApproval'),
    ).rollout;
    const { rollout } = ok(promote(awaiting, { actor: 'a', nowMs: T0 }));
    expect(rollout).toMatchObject({ phase: 'Progressing', weight: 20 });
    expect(rollout.pauseCause).toBeUndefined();
  });

  test('past the last step completes: the canary becomes the stable version', () => {
    let rollout: Rollout = startedRollout({ canaryWeight: 50 }, T0);
    rollout = ok(promote(rollout, { actor: 'a', nowMs: T0 })).rollout;
    expect(rollout.weight).toBe(100);
    rollout = ok(promote(rollout, { actor: 'a', nowMs: T0 })).rollout;
    expect(rollout).toMatchObject({ phase: 'Completed', weight: 100 });
  });

  test('walks segment phases, then enters the ramp at its first step', () => {
    let rollout: Rollout = startedRollout(
      { canaryWeight: 10, segments: [{ name: 'beta', match: { beta: true }, weight: 50, duration: '1h' }] },
      T0,
    );
    expect(rollout.weight).toBe(50);
    rollout = ok(promote(rollout, { actor: 'a', nowMs: T0 })).rollout;
    expect(rollout).toMatchObject({ segmentPhaseIndex: 1, stepIndex: 0, weight: 10 });
  });

  test('a schedule-only rollout completes on promote', () => {
    const rollout = ok(
      promote(startedRollout({ schedule: [{ window: '02:00-06:00', canaryWeight: 50 }] }, T0), {
        actor: 'a',
        nowMs: T0,
      }),
    ).rollout;
    expect(rollout.phase).toBe('Completed');
  });

  test('full completes at once, skipping the remaining steps', () => {
    const { rollout, entry } = ok(
      promote(startedRollout(seedRamp, T0), { actor: 'a', nowMs: T0, full: true }),
    );
    expect(rollout).toMatchObject({ phase: 'Completed', weight: 100, endedAt: '2026-01-05T12:00:00.000Z' });
    expect(entry).toMatchObject({ from: 'Progressing', to: 'Completed', weight: 100 });
  });
});

describe('rollback', () => {
  test('sets the weight to 0 at once, with the operator words as reason', () => {
    const { rollout, entry } = ok(
      rollback(startedRollout(seedRamp, T0), { actor: 'bob', reason: 'bad answers', nowMs: T0 }),
    );
    expect(rollout).toMatchObject({ phase: 'RolledBack', weight: 0, reason: 'bad answers' });
    expect(entry).toMatchObject({ to: 'RolledBack', weight: 0, actor: 'bob', reason: 'bad answers' });
  });

  test('a fast rollback says the stable version was re-applied', () => {
    const { rollout } = ok(fastRollback(startedRollout(seedRamp, T0), { actor: 'admin', nowMs: T0 }));
    expect(rollout.reason).toBe('fast rollback: stable version 2.3.1 re-applied by admin');
  });

  test('works on a paused rollout and clears the pause', () => {
    const paused = ok(pause(startedRollout(seedRamp, T0), { actor: 'a', nowMs: T0 })).rollout;
    const { rollout } = ok(rollback(paused, { actor: 'a', nowMs: T0 }));
    expect(rollout.phase).toBe('RolledBack');
    expect(rollout.pausedAt).toBeUndefined();
  });
});

describe('actions on a finished rollout', () => {
  const rolledBack = ok(rollback(startedRollout(seedRamp, T0), { actor: 'a', nowMs: T0 })).rollout;
  const completed = ok(promote(startedRollout(seedRamp, T0), { actor: 'a', nowMs: T0, full: true })).rollout;

  test.each([
    ['pause', (r: Rollout) => pause(r, { actor: 'a', nowMs: T0 })],
    ['resume', (r: Rollout) => resume(r, { actor: 'a', nowMs: T0 })],
    ['promote', (r: Rollout) => promote(r, { actor: 'a', nowMs: T0 })],
    ['promote full', (r: Rollout) => promote(r, { actor: 'a', nowMs: T0, full: true })],
    ['rollback', (r: Rollout) => rollback(r, { actor: 'a', nowMs: T0 })],
  ])('%s is rollout_not_active on RolledBack and Completed', (_name, act) => {
    expect(act(rolledBack)).toMatchObject({ ok: false, code: 'rollout_not_active' });
    expect(act(completed)).toMatchObject({ ok: false, code: 'rollout_not_active' });
  });
});
