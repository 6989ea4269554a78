import { describe, expect, test } from 'vitest';
import { promote, type Rollout, type TransitionResult } from '../rollouts/rollout-state.js';
import { startedRollout } from '../rollouts/testing/rollout-fixtures.js';
import { check, drive, passingChecks, withCheck } from './testing/machine-driver.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;

function analysis(onFail: 'rollback' | 'pause' | 'notify') {
  return {
    interval: '1m',
    failureThreshold: 2,
    minSamples: 100,
    maxInconclusive: '10m',
    metrics: [
      { name: 'success_rate', threshold: '90%', comparison: '>=' },
      { name: 'latency_p99', threshold: '3000ms', comparison: '<=', onFail },
    ],
  };
}

function blueGreen(
  onFail: 'rollback' | 'pause' | 'notify' = 'rollback',
  extra: Record<string, unknown> = {},
) {
  return startedRollout(
    {
      strategy: 'blueGreen',
      preview: { segment: 'internal_users', duration: '30m' },
      rollbackWindow: '1h',
      analysis: analysis(onFail),
      ...extra,
    },
    T0,
    { internal_users: { plan: 'internal' } },
  );
}

function ok(result: TransitionResult): Rollout {
  if (!result.ok) throw new Error(result.message);
  return result.rollout;
}

const breach = (rollout: Rollout) =>
  withCheck(
    passingChecks(rollout),
    'latency_p99',
    { result: 'Fail', canary: 3412, reason: 'latency_p99 canary 3,412 ms > 3,000 ms (n=412)' },
    'threshold',
  );

/** Drives a blue-green rollout through its 30-minute preview to the switch at T0 + 30m. */
function switched(onFail: 'rollback' | 'pause' | 'notify' = 'rollback') {
  let s = drive(blueGreen(onFail));
  s = check(s, T0 + 29 * MIN);
  expect(s.decision).toMatchObject({ kind: 'hold', reason: 'preview internal_users (100%): 29m of 30m' });
  s = check(s, T0 + 30 * MIN);
  expect(s.decision?.kind).toBe('step');
  expect(s.rollout).toMatchObject({
    weight: 100,
    phase: 'Progressing',
    reason: 'Progressing: rollback window',
  });
  return s;
}

describe('the blue-green machine', () => {
  test('the preview passes its duration, then switches every unit at once', () => {
    const s = switched();
    expect(s.rollout.segmentPhaseIndex).toBe(1);
    expect(s.rollout.stepIndex).toBe(0);
  });

  test('a failure in the rollback window rolls back after failureThreshold looks', () => {
    let s = switched();
    s = check(s, T0 + 31 * MIN, breach);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 32 * MIN, breach);
    expect(s.decision).toMatchObject({ kind: 'rollback', metric: 'latency_p99' });
    expect(s.decision?.reason).toMatch(/^latency_p99 failed 2 consecutive checks .* in the rollback window$/);
    expect(s.rollout).toMatchObject({ phase: 'RolledBack', weight: 0 });
  });

  test('onFail: pause rolls back in the window (a pause at 100% would keep serving the new version)', () => {
    let s = switched('pause');
    s = check(s, T0 + 31 * MIN, breach);
    s = check(s, T0 + 32 * MIN, breach);
    expect(s.decision?.kind).toBe('rollback');
    expect(s.rollout.phase).toBe('RolledBack');
  });

  test('onFail: pause still pauses during the preview', () => {
    let s = drive(blueGreen('pause'));
    s = check(s, T0 + MIN, breach);
    s = check(s, T0 + 2 * MIN, breach);
    expect(s.decision).toMatchObject({ kind: 'pause', cause: 'MetricFailed' });
  });

  test('onFail: notify does not roll back in the window, and the window still completes', () => {
    let s = switched('notify');
    for (let m = 31; m < 90; m++) s = check(s, T0 + m * MIN, breach);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 90 * MIN, breach);
    expect(s.decision?.kind).toBe('complete');
    expect(s.rollout.phase).toBe('Completed');
  });

  test('the end of the window completes the switch when every check passes', () => {
    let s = switched();
    s = check(s, T0 + 89 * MIN);
    expect(s.decision).toMatchObject({ kind: 'hold', reason: 'rollback window: 59m of 1h' });
    s = check(s, T0 + 90 * MIN);
    expect(s.decision).toMatchObject({
      kind: 'complete',
      reason: 'rollback window over (1h), every check passed: 2.4.0 is now stable',
    });
    expect(s.rollout).toMatchObject({ phase: 'Completed', weight: 100 });
    expect(s.rollout.reason).toContain('rollback window over');
  });

  test('inconclusive checks do not pause the window; its end completes and names them', () => {
    const few = (r: Rollout) =>
      withCheck(
        passingChecks(r),
        'latency_p99',
        {
          result: 'Inconclusive',
          n: { stable: 0, canary: 40 },
          reason: 'latency_p99 canary 1,200 ms: too few samples (n=40 < 100, last 1 min)',
        },
        'threshold',
      );
    let s = switched();
    for (let m = 31; m < 90; m++) {
      s = check(s, T0 + m * MIN, few);
      expect(s.decision?.kind, `minute ${m}`).toBe('hold');
    }
    s = check(s, T0 + 90 * MIN, few);
    expect(s.decision?.kind).toBe('complete');
    expect(s.decision?.reason).toContain('inconclusive');
    expect(s.decision?.reason).toContain('latency_p99 canary 1,200 ms: too few samples (n=40 < 100');
    expect(s.rollout.phase).toBe('Completed');
  });

  test('a metric failing at the end of the window holds it for the next look, which rolls back', () => {
    let s = switched();
    s = check(s, T0 + 90 * MIN, breach);
    expect(s.decision).toMatchObject({ kind: 'hold', reason: 'rollback window: latency_p99 is failing' });
    s = check(s, T0 + 91 * MIN, breach);
    expect(s.decision?.kind).toBe('rollback');
  });

  test('promote --full ends the window and completes', () => {
    const s = switched();
    const done = ok(promote(s.rollout, { actor: 'admin', nowMs: T0 + 40 * MIN, full: true }));
    expect(done).toMatchObject({ phase: 'Completed', weight: 100 });
    const next = check({ ...s, rollout: done }, T0 + 41 * MIN, breach);
    expect(next.decision?.kind).toBe('hold');
    expect(next.rollout.phase).toBe('Completed');
  });

  test('no sample-ratio pause in the window', () => {
    let s = switched();
    const srm = { result: 'Fail' as const, reason: 'ratio off' };
    s = check(s, T0 + 31 * MIN, undefined, { srm });
    expect(s.decision?.kind).toBe('hold');
  });
});
