import { describe, expect, test } from 'vitest';
import { effectiveWeight } from '../rollouts/effective-weight.js';
import { pause, promote, type Rollout, resume, type TransitionResult } from '../rollouts/rollout-state.js';
import { startedRollout } from '../rollouts/testing/rollout-fixtures.js';
import { check, drive, passingChecks, withCheck } from './testing/machine-driver.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const S = 1000;
const MIN = 60_000;
const H = 3_600_000;

const analysis = {
  interval: '1m',
  failureThreshold: 2,
  minSamples: 100,
  maxInconclusive: '30m',
  metrics: [
    { name: 'success_rate', threshold: '90%', comparison: '>=' },
    { name: 'latency_p99', threshold: '3000ms', comparison: '<=' },
  ],
};
const seed = { canaryWeight: 10, stepWeight: 10, stepInterval: '5m', analysis };

function ok(result: TransitionResult): Rollout {
  if (!result.ok) throw new Error(result.message);
  return result.rollout;
}

const latencyBreach = (rollout: Rollout) =>
  withCheck(
    passingChecks(rollout),
    'latency_p99',
    { result: 'Fail', canary: 3412, reason: 'latency_p99 canary 3,412 ms > 3,000 ms (n=412)' },
    'threshold',
  );

describe('stepping up', () => {
  test('holds until the step minimum duration has passed, then steps once', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + 4 * MIN);
    expect(s.decision).toMatchObject({ kind: 'hold', reason: 'step 1 (10%): 4m of 5m' });
    s = check(s, T0 + 5 * MIN);
    expect(s.decision?.kind).toBe('step');
    expect(s.rollout).toMatchObject({ phase: 'Progressing', weight: 20, stepIndex: 1 });
    expect(Date.parse(s.rollout.stageStartedAt)).toBe(T0 + 5 * MIN);
  });

  test.each([
    [
      'too few canary samples',
      (r: Rollout) => withCheck(passingChecks(r), 'success_rate', { n: { stable: 900, canary: 40 } }),
    ],
    [
      'an inconclusive check',
      (r: Rollout) => withCheck(passingChecks(r), 'latency_p99', { result: 'Inconclusive' }),
    ],
    [
      'a missing check (no data)',
      (r: Rollout) => passingChecks(r).filter((c) => c.metric !== 'success_rate'),
    ],
    ['one failed check below the threshold', latencyBreach],
    [
      'a comparison with too few stable samples',
      (r: Rollout) =>
        withCheck(passingChecks(r), 'success_rate', { n: { stable: 10, canary: 500 } }, 'regression'),
    ],
  ])('%s holds the step', (_name, checks) => {
    const s = check(drive(startedRollout(seed, T0)), T0 + 10 * MIN, checks);
    expect(s.decision?.kind).toBe('hold');
    expect(s.rollout.weight).toBe(10);
  });

  test('a jump of hours still advances one step per check', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + 6 * H);
    expect(s.rollout.weight).toBe(20);
    s = check(s, T0 + 6 * H + MIN);
    expect(s.rollout.weight).toBe(20);
  });

  test('a clock moved back before the stage start holds (negative elapsed time)', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + 5 * MIN);
    s = check(s, T0 - H);
    expect(s.decision).toMatchObject({ kind: 'hold' });
    expect(s.decision?.reason).toContain('behind');
    expect(s.rollout.weight).toBe(20);
  });

  test('the time scale shortens the minimum duration: 5m take 5s at 60×', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + 4 * S, undefined, { timeScale: 60 });
    expect(s.rollout.weight).toBe(10);
    s = check(s, T0 + 5 * S, undefined, { timeScale: 60 });
    expect(s.rollout.weight).toBe(20);
  });

  test('a healthy ramp walks every step to 100%, then completes', () => {
    let s = drive(startedRollout(seed, T0));
    const weights: number[] = [];
    for (let i = 1; s.rollout.phase === 'Progressing' && i < 100; i++) {
      s = check(s, T0 + i * 5 * MIN);
      weights.push(s.rollout.weight);
    }
    expect(weights).toEqual([20, 30, 40, 50, 60, 70, 80, 90, 100, 100]);
    expect(s.rollout).toMatchObject({ phase: 'Completed', weight: 100 });
  });

  test('a pack without metrics advances on time alone', () => {
    const s = check(drive(startedRollout({ canaryWeight: 10 }, T0)), T0 + 5 * MIN, () => []);
    expect(s.rollout.weight).toBe(20);
  });
});

describe('failures', () => {
  test('failureThreshold consecutive failures roll back at once, naming the metric and figures', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + MIN, latencyBreach);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 2 * MIN, latencyBreach);
    expect(s.rollout).toMatchObject({
      phase: 'RolledBack',
      weight: 0,
      reason: 'latency_p99 failed 2 consecutive checks (3,412 ms > 3,000 ms)',
    });
    expect(effectiveWeight(s.rollout, T0 + 2 * MIN)).toBe(0);
  });

  test('a passing check between failures starts the count over; an inconclusive one does not', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + MIN, latencyBreach);
    s = check(s, T0 + 2 * MIN);
    s = check(s, T0 + 3 * MIN, latencyBreach);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 4 * MIN, (r) => withCheck(passingChecks(r), 'latency_p99', { result: 'Inconclusive' }));
    s = check(s, T0 + 5 * MIN, latencyBreach);
    expect(s.rollout.phase).toBe('RolledBack');
  });

  test('an onFail: pause metric pauses instead of rolling back', () => {
    const spec = {
      ...seed,
      analysis: {
        ...analysis,
        metrics: [
          {
            name: 'tool_accuracy',
            from: { attribute: 'a', aggregate: 'rate' },
            direction: 'higher',
            maxDecrease: '2pt',
            onFail: 'pause',
          },
        ],
      },
    };
    const failing = (r: Rollout) =>
      withCheck(passingChecks(r), 'tool_accuracy', {
        result: 'Fail',
        reason: 'tool_accuracy: −4.0 points, tolerance 2 points (n=300/2,700)',
      });
    let s = drive(startedRollout(spec, T0));
    s = check(s, T0 + MIN, failing);
    s = check(s, T0 + 2 * MIN, failing);
    expect(s.rollout).toMatchObject({ phase: 'Paused', pauseCause: 'MetricFailed', weight: 10 });
    expect(s.rollout.reason).toBe(
      'MetricFailed: tool_accuracy failed 2 consecutive checks (−4.0 points, tolerance 2 points)',
    );
  });

  test('a paused rollout never steps, but still rolls back when a rollback metric keeps failing', () => {
    let s = drive(startedRollout(seed, T0));
    s = { ...s, rollout: ok(pause(s.rollout, { actor: 'alice', nowMs: T0 + MIN })) };
    s = check(s, T0 + 60 * MIN);
    expect(s.rollout).toMatchObject({ phase: 'Paused', weight: 10 });
    s = check(s, T0 + 61 * MIN, latencyBreach);
    s = check(s, T0 + 62 * MIN, latencyBreach);
    expect(s.rollout).toMatchObject({ phase: 'RolledBack', weight: 0 });
  });

  test('a sample-ratio mismatch pauses', () => {
    const s = check(drive(startedRollout(seed, T0)), T0 + MIN, undefined, {
      srm: { result: 'Fail', reason: 'canary share 14.0% vs expected 10.0%: sample ratio mismatch' },
    });
    expect(s.rollout).toMatchObject({ phase: 'Paused', pauseCause: 'SampleRatioMismatch' });
    expect(s.rollout.reason).toContain('14.0%');
  });
});

describe('inconclusive and missing data', () => {
  const noLatency = (r: Rollout) => passingChecks(r).filter((c) => c.metric !== 'latency_p99');
  const fewSamples = (r: Rollout) =>
    withCheck(passingChecks(r), 'latency_p99', {
      result: 'Inconclusive',
      n: { stable: 50, canary: 5 },
      reason: 'latency_p99 canary 900 ms: too few samples (n=5 < 100)',
    });

  test.each([
    ['no data', noLatency, 'NoData', 'latency_p99 has had no canary data for 30m'],
    ['too few samples', fewSamples, 'Inconclusive', 'latency_p99 has had too few samples for 30m'],
  ])('%s for maxInconclusive pauses with its cause', (_name, checks, cause, reason) => {
    let s = check(drive(startedRollout(seed, T0)), T0 + MIN, checks);
    s = check(s, T0 + 30 * MIN, checks);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 31 * MIN, checks);
    expect(s.rollout).toMatchObject({ phase: 'Paused', pauseCause: cause });
    expect(s.rollout.reason).toContain(reason);
  });

  test('an eval metric waits out one draw and its answer time (every + timeout) when that is longer', () => {
    const evalSeed = {
      ...seed,
      analysis: {
        ...analysis,
        maxInconclusive: '10m',
        metrics: [...analysis.metrics, { name: 'eval_pass_rate', maxDecrease: '5pt' }],
        evaluation: { every: '15m', sample: 20, hook: { url: 'http://127.0.0.1:9/score', secret: 's' } },
      },
    };
    const noEvals = (r: Rollout) => passingChecks(r).filter((c) => c.metric !== 'eval_pass_rate');
    let s = check(drive(startedRollout(evalSeed, T0)), T0 + MIN, noEvals);
    // maxInconclusive (10m) alone would pause here; every (15m) + timeout (10m, the default) holds until 26m.
    s = check(s, T0 + 25 * MIN, noEvals);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 26 * MIN, noEvals);
    expect(s.rollout).toMatchObject({ phase: 'Paused', pauseCause: 'NoData' });
    expect(s.rollout.reason).toContain('eval_pass_rate has had no canary data for 25m');
  });

  test('resume restarts the inconclusive timer', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + MIN, noLatency);
    s = check(s, T0 + 31 * MIN, noLatency);
    expect(s.rollout.pauseCause).toBe('NoData');
    s = { ...s, rollout: ok(resume(s.rollout, { actor: 'alice', nowMs: T0 + 40 * MIN })) };
    s = check(s, T0 + 41 * MIN, noLatency);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 71 * MIN, noLatency);
    expect(s.rollout.phase).toBe('Paused');
  });

  test('a new step restarts the inconclusive timer', () => {
    let s = drive(startedRollout(seed, T0));
    s = check(s, T0 + MIN, noLatency);
    s = check(s, T0 + 20 * MIN);
    expect(s.rollout.weight).toBe(20);
    s = check(s, T0 + 21 * MIN, noLatency);
    s = check(s, T0 + 45 * MIN, noLatency);
    expect(s.rollout.phase).toBe('Progressing');
  });
});

describe('approval, segments, schedules and the 100% step', () => {
  const steps = {
    steps: [
      { weight: 1, minDuration: '4h' },
      { weight: 10, minDuration: '24h' },
      { weight: 50, minDuration: '48h', approval: 'required' },
      { weight: 100, monitorFor: '72h' },
    ],
    analysis,
  };

  test('multi-day steps: an approval step pauses until promoted, monitorFor also needs its before/after comparisons', () => {
    let s = drive(startedRollout(steps, T0));
    s = check(s, T0 + 4 * H);
    expect(s.rollout.weight).toBe(10);
    s = check(s, T0 + 27 * H);
    expect(s.rollout.weight).toBe(10);
    s = check(s, T0 + 28 * H);
    expect(s.rollout.weight).toBe(50);
    s = check(s, T0 + 76 * H);
    expect(s.rollout).toMatchObject({ phase: 'Paused', pauseCause: 'AwaitingApproval', weight: 50 });
    s = check(s, T0 + 100 * H);
    expect(s.rollout.phase).toBe('Paused');
    s = { ...s, rollout: ok(promote(s.rollout, { actor: 'alice', nowMs: T0 + 101 * H })) };
    expect(s.rollout).toMatchObject({ phase: 'Progressing', weight: 100 });
    const hardLimitsOnly = (r: Rollout) => passingChecks(r).filter((c) => c.kind === 'threshold');
    expect(passingChecks(s.rollout).some((c) => c.kind === 'regression')).toBe(true);
    s = check(s, T0 + 172 * H);
    expect(s.rollout.phase).toBe('Progressing');
    // Without the comparisons with stable's figures from before 100%, the stage is inconclusive and holds.
    s = check(s, T0 + 173 * H, hardLimitsOnly);
    expect(s.rollout.phase).toBe('Progressing');
    s = check(s, T0 + 174 * H);
    expect(s.rollout).toMatchObject({ phase: 'Completed', weight: 100 });
  });

  test('a hard limit failing during monitorFor still rolls back', () => {
    let s = drive(startedRollout({ canaryWeight: 50, monitorFor: '1h', analysis }, T0));
    s = check(s, T0 + 5 * MIN);
    expect(s.rollout.weight).toBe(100);
    s = check(s, T0 + 6 * MIN, latencyBreach);
    s = check(s, T0 + 7 * MIN, latencyBreach);
    expect(s.rollout).toMatchObject({ phase: 'RolledBack', weight: 0 });
  });

  test('segment phases advance after their duration, then the ramp starts', () => {
    const spec = {
      ...seed,
      segments: [
        { name: 'internal_users', match: { plan: 'internal' }, weight: '100%', duration: '24h' },
        { name: 'beta_users', match: { beta: true }, weight: '50%', duration: '12h' },
        { name: 'all_users', weight: 'progressive' },
      ],
    };
    let s = drive(startedRollout(spec, T0));
    expect(s.rollout.weight).toBe(100);
    s = check(s, T0 + 23 * H, (r) => passingChecks(r));
    expect(s.rollout.segmentPhaseIndex).toBe(0);
    s = check(s, T0 + 24 * H);
    expect(s.rollout).toMatchObject({ segmentPhaseIndex: 1, weight: 50 });
    s = check(s, T0 + 36 * H);
    expect(s.rollout).toMatchObject({ segmentPhaseIndex: 2, stepIndex: 0, weight: 10 });
  });

  test('a schedule-only rollout holds until promoted, and analysis can still roll it back', () => {
    const spec = { schedule: [{ window: '02:00-06:00', canaryWeight: 50 }], analysis };
    let s = drive(startedRollout(spec, T0));
    s = check(s, T0 + 10 * H);
    expect(s.decision?.kind).toBe('hold');
    s = check(s, T0 + 11 * H, latencyBreach);
    s = check(s, T0 + 12 * H, latencyBreach);
    expect(s.rollout.phase).toBe('RolledBack');
  });
});
