import { describe, expect, test } from 'vitest';
import { buildRolloutPlan, planStrategy } from './rollout-plan.js';
import { inRollbackWindow, rolloutStage, stageEndsAtMs, stageName } from './rollout-stage.js';
import { pause, promote, type Rollout, type TransitionResult } from './rollout-state.js';
import { rolloutView } from './rollout-view.js';
import { planOf, rolloutSpec, startedRollout } from './testing/rollout-fixtures.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;
const H = 3_600_000;

function ok(result: TransitionResult): Rollout {
  if (!result.ok) throw new Error(result.message);
  return result.rollout;
}

describe('a blue-green plan', () => {
  test('without a preview is the switch alone: one 100% step whose monitoring time is the rollback window', () => {
    const plan = planOf({ strategy: 'blueGreen', rollbackWindow: '2h' });
    expect(plan).toMatchObject({
      strategy: 'blueGreen',
      rollbackWindowMs: 2 * H,
      segmentPhases: [],
      windows: [],
    });
    expect(plan.steps).toEqual([{ weight: 100, minDurationMs: 0, approval: false, monitorForMs: 2 * H }]);
  });

  test('a segment preview is one segment phase before the switch', () => {
    const plan = planOf(
      { strategy: 'blueGreen', preview: { segment: 'internal_users', duration: '30m' } },
      { internal_users: { plan: 'internal' } },
    );
    expect(plan.segmentPhases).toEqual([
      { name: 'internal_users', condition: { plan: 'internal' }, weight: 100, durationMs: 30 * MIN },
    ]);
    expect(plan.steps).toEqual([{ weight: 100, minDurationMs: 0, approval: false, monitorForMs: H }]);
  });

  test('a weight preview is a first step of its duration', () => {
    const plan = planOf({ strategy: 'blueGreen', preview: { weight: 10, duration: '15m' } });
    expect(plan.segmentPhases).toEqual([]);
    expect(plan.steps).toEqual([
      { weight: 10, minDurationMs: 15 * MIN, approval: false, monitorForMs: 0 },
      { weight: 100, minDurationMs: 0, approval: false, monitorForMs: H },
    ]);
  });

  test('a preview of a segment the daemon does not define is unknown_segment at its path', () => {
    const built = buildRolloutPlan(
      rolloutSpec({ strategy: 'blueGreen', preview: { segment: 'nobody', duration: '5m' } }),
      new Map(),
    );
    expect(built).toMatchObject({
      ok: false,
      error: { code: 'unknown_segment', path: ['spec', 'rollout', 'preview', 'segment'] },
    });
  });

  test('a canary plan says canary; a plan stored before strategies existed reads as canary', () => {
    const plan = planOf({ canaryWeight: 10 });
    expect(plan.strategy).toBe('canary');
    const { strategy: _gone, ...older } = plan;
    expect(planStrategy(older as { strategy?: undefined })).toBe('canary');
    const rollout = startedRollout({ canaryWeight: 10 }, T0);
    const stored: Rollout = { ...rollout, plan: older };
    expect(rolloutView(stored, T0, 1)).toMatchObject({ strategy: 'canary', stage: 'ramp' });
  });
});

describe('stages of a blue-green rollout', () => {
  const segments = { internal_users: { plan: 'internal' } };
  const spec = { strategy: 'blueGreen', preview: { segment: 'internal_users', duration: '30m' } };

  test('preview, then rollback window, with when each is up under the time scale', () => {
    const started = startedRollout(spec, T0, segments);
    expect(rolloutStage(started)).toBe('preview');
    expect(stageName(started)).toBe('preview internal_users (100%)');
    expect(stageEndsAtMs(started, 1)).toBe(T0 + 30 * MIN);
    expect(stageEndsAtMs(started, 60)).toBe(T0 + 30 * 1000);
    const switched = ok(promote(started, { actor: 'admin', nowMs: T0 + 5 * MIN }));
    expect(switched.weight).toBe(100);
    expect(inRollbackWindow(switched)).toBe(true);
    expect(rolloutStage(switched)).toBe('rollbackWindow');
    expect(stageName(switched)).toBe('rollback window');
    expect(stageEndsAtMs(switched, 1)).toBe(T0 + 5 * MIN + H);
    const view = rolloutView(switched, T0 + 6 * MIN, 1);
    expect(view).toMatchObject({
      strategy: 'blueGreen',
      stage: 'rollbackWindow',
      stageEndsAt: new Date(T0 + 5 * MIN + H).toISOString(),
      weight: 100,
    });
  });

  test('a paused rollout has no stage end; an ended one has no stage', () => {
    const started = startedRollout(spec, T0, segments);
    const paused = ok(pause(started, { actor: 'admin', nowMs: T0 + MIN }));
    expect(rolloutView(paused, T0 + MIN, 1)).toMatchObject({ stage: 'preview', stageEndsAt: null });
    const done = ok(promote(started, { actor: 'admin', nowMs: T0 + MIN, full: true }));
    expect(rolloutView(done, T0 + MIN, 1)).toMatchObject({ stage: null, stageEndsAt: null });
  });

  test('a canary names segment, ramp and monitor', () => {
    const canary = startedRollout(
      {
        canaryWeight: 50,
        monitorFor: '1h',
        segments: [{ name: 'internal_users', weight: 100, duration: '1h' }],
      },
      T0,
      segments,
    );
    expect(rolloutStage(canary)).toBe('segment');
    const ramp = ok(promote(canary, { actor: 'a', nowMs: T0 }));
    expect(rolloutStage(ramp)).toBe('ramp');
    const monitor = ok(promote(ramp, { actor: 'a', nowMs: T0 }));
    expect(monitor.weight).toBe(100);
    expect(rolloutStage(monitor)).toBe('monitor');
  });

  test('promote from the preview is the switch; promote in the window completes, saying the window ended early', () => {
    const started = startedRollout({ strategy: 'blueGreen', preview: { weight: 10, duration: '15m' } }, T0);
    const switched = promote(started, { actor: 'admin', nowMs: T0 + MIN });
    expect(switched.ok && switched.entry?.reason).toBe('switched to 2.4.0 (blue-green): rollback window');
    const done = promote(ok(switched), { actor: 'admin', nowMs: T0 + 2 * MIN });
    expect(done.ok && done.rollout.phase).toBe('Completed');
    expect(done.ok && done.entry?.reason).toBe('2.4.0 is now stable: rollback window ended early by admin');
    const full = promote(started, { actor: 'admin', nowMs: T0 + MIN, full: true });
    expect(full.ok && full.entry?.reason).toContain('preview and rollback window ended early by admin');
  });

  test('the start says whether it switched at once or previews first', () => {
    const now = startedRollout({ strategy: 'blueGreen' }, T0);
    expect(now.weight).toBe(100);
    expect(rolloutStage(now)).toBe('rollbackWindow');
    const previewed = startedRollout(spec, T0, segments);
    expect(previewed.weight).toBe(100);
    expect(previewed.segmentPhaseIndex).toBe(0);
  });
});
