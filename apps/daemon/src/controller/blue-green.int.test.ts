/**
 * A blue-green switch through the real ingest, analyzer and controller on a manual clock: the rollback window
 * compares the new version with the old version's figures from before the switch, read from the pack's rolling
 * baseline (written here straight into the slice store, as ingest keeps it for a pack at rest).
 */
import { ArmAggregate } from '@prompt-canary/analysis';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { baselineRolloutId } from '../ingest/pack-baseline.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { MINUTE_MS, playTraffic, type RequestShape, seededRandom } from './testing/play-traffic.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const PACK = 'support-prompts';

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

function packYaml(version: string, rollout: string): string {
  return `apiVersion: promptcanary.dev/v1alpha1
kind: PromptPack
metadata: { name: ${PACK} }
spec:
  version: "${version}"
  rollout:
${rollout}
    analysis:
      interval: 1m
      failureThreshold: 2
      minSamples: 50
      metrics:
        - { name: latency_p99, threshold: 10000ms, maxIncrease: 20% }
        - { name: success_rate, threshold: 90% }`;
}

const BLUE_GREEN = '    strategy: blueGreen\n    rollbackWindow: 10m';

/** The old version's latency: 800–1,200 ms. */
const oldLatency = (r: () => number) => 800 + 400 * r();

/**
 * Writes `minutes` of the pack's baseline (the stable version at rest, 400 requests a minute from 2,000 units)
 * ending now, as ingest keeps it under the baseline pseudo-rollout.
 */
function writeBaseline(d: TestDaemon, minutes: number, seed: number): void {
  const r = seededRandom(seed);
  const now = d.clock.now();
  for (let m = minutes; m > 0; m--) {
    const sliceStart = now - m * MINUTE_MS;
    const partial = new ArmAggregate();
    for (let i = 0; i < 400; i++) {
      partial.addSpan({
        flagKey: PACK,
        variant: '1.0.0',
        splitAssigned: false,
        reason: 'STATIC',
        endTimeMs: sliceStart + i,
        durationMs: oldLatency(r),
        error: false,
        unit: `user-${Math.floor(r() * 2000)}`,
        attributes: {},
      });
    }
    d.ctx.store.slices.commit([
      { key: { rolloutId: baselineRolloutId(PACK), arm: 'stable', scope: 'other', sliceStart }, partial },
    ]);
  }
}

/** Creates the pack at 1.0.0 (stable), lets `baselineMinutes` of its baseline accrue, then switches to 2.0.0. */
async function switchTo(rollout: string, baselineMinutes: number): Promise<{ d: TestDaemon; id: string }> {
  const d = createTestDaemon({}, new ManualClock(T0));
  daemon = d;
  const first = await d.request(`/api/v1/packs/${PACK}`, {
    method: 'PUT',
    yaml: packYaml('1.0.0', BLUE_GREEN),
  });
  expect(first.status).toBe(201);
  d.clock.advance(60 * MINUTE_MS);
  writeBaseline(d, baselineMinutes, 5);
  const res = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: packYaml('2.0.0', rollout) });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { d, id: body.rollout.id };
}

async function rolloutOf(d: TestDaemon, id: string) {
  return (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
}

function settled(d: TestDaemon, id: string): () => Promise<boolean> {
  return async () => (await rolloutOf(d, id)).phase !== 'Progressing';
}

const shape =
  (newLatency: (r: () => number) => number) =>
  (variant: string, r: () => number): RequestShape => ({
    durationMs: variant === '2.0.0' ? newLatency(r) : oldLatency(r),
  });

describe('a blue-green switch without a preview, compared with the baseline from before it', () => {
  test('equal traffic passes the before/after comparison and completes at the window end', async () => {
    const { d, id } = await switchTo(BLUE_GREEN, 60);
    const started = await rolloutOf(d, id);
    expect(started).toMatchObject({
      strategy: 'blueGreen',
      stage: 'rollbackWindow',
      weight: 100,
      stageEndsAt: new Date(T0 + 70 * MINUTE_MS).toISOString(),
    });
    expect(started.plan).toMatchObject({ strategy: 'blueGreen', rollbackWindowMs: 600_000 });
    expect(started.timeline[0].reason).toBe('switched to 2.0.0 from 1.0.0 (blue-green): rollback window');

    await playTraffic(d, PACK, 5, shape(oldLatency), { seed: 21, units: 2000 });
    const analysis = await (await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' })).json();
    expect(analysis).toMatchObject({ strategy: 'blueGreen', stage: 'rollbackWindow' });
    expect(analysis.comparisons.before).toEqual({
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 60 * MINUTE_MS).toISOString(),
    });
    const relative = analysis.checks.find((c: { kind: string }) => c.kind === 'relative');
    expect(relative.result).toBe('Pass');
    expect(relative.n.stable).toBe(60 * 400);
    expect(relative.reason).toContain('vs 1.0.0 before the switch');
    expect(relative.reason).toContain('before/after');

    await playTraffic(d, PACK, 10, shape(oldLatency), { seed: 22, units: 2000, until: settled(d, id) });
    const done = await rolloutOf(d, id);
    expect(done.phase, done.reason).toBe('Completed');
    expect(done.stage).toBeNull();
    expect(done.reason).toContain('rollback window over (10m), every check passed');
    expect(Date.parse(done.endedAt)).toBeGreaterThanOrEqual(T0 + 70 * MINUTE_MS);
  });

  test('a latency regression after the switch rolls back within the window, saying before/after', async () => {
    const { d, id } = await switchTo(BLUE_GREEN, 60);
    const slower = (r: () => number) => 1500 + 600 * r();
    await playTraffic(d, PACK, 10, shape(slower), { seed: 23, units: 2000, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('RolledBack');
    expect(after.reason).toMatch(/^latency_p99 failed 2 consecutive checks \(.*vs 1\.0\.0 before the switch/);
    expect(after.reason).toContain('in the rollback window');
    expect(Date.parse(after.endedAt)).toBeLessThan(T0 + 70 * MINUTE_MS);
    const flag = d.ctx.config.current().evaluator.evaluate(PACK, { targetingKey: 'u1' }, d.clock.now());
    expect(flag.variant).toBe('1.0.0');
  });

  test('with no baseline the comparison is inconclusive; the window end completes and names it', async () => {
    const { d, id } = await switchTo(BLUE_GREEN, 0);
    await playTraffic(d, PACK, 14, shape(oldLatency), { seed: 24, units: 2000, until: settled(d, id) });
    const done = await rolloutOf(d, id);
    expect(done.phase, done.reason).toBe('Completed');
    expect(done.reason).toContain('inconclusive');
    expect(done.reason).toContain('latency_p99: no stable data');
  });
});

describe('a blue-green switch after traffic at rest (the baseline kept by ingest)', () => {
  test('the window compares with what the old version served before the rollout; a regression rolls back', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const put = (version: string) =>
      d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: packYaml(version, BLUE_GREEN) });
    expect((await put('1.0.0')).status).toBe(201);
    await playTraffic(d, PACK, 30, shape(oldLatency), { seed: 31, units: 2000 });
    const res = await put('2.0.0');
    const id = (await res.json()).rollout.id;
    await playTraffic(d, PACK, 2, shape(oldLatency), { seed: 32, units: 2000 });
    const analysis = await (await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' })).json();
    const relative = analysis.checks.find((c: { kind: string }) => c.kind === 'relative');
    expect(relative.n.stable).toBe(30 * 400);
    expect(relative.reason).toContain('vs 1.0.0 before the switch');
    await playTraffic(
      d,
      PACK,
      10,
      shape((r) => 1500 + 600 * r()),
      { seed: 33, units: 2000, until: settled(d, id) },
    );
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('RolledBack');
    expect(after.reason).toMatch(/^latency_p99 failed 2 consecutive checks \(.*vs 1\.0\.0 before the switch/);
  });
});

describe('a blue-green switch after a preview', () => {
  test('a weight preview steps to 100% after its duration; the window compares with the preview-time old version', async () => {
    const { d, id } = await switchTo(
      '    strategy: blueGreen\n    preview: { weight: 20%, duration: 5m }\n    rollbackWindow: 10m',
      0,
    );
    const started = await rolloutOf(d, id);
    expect(started).toMatchObject({ stage: 'preview', weight: 20, steps: 2 });
    await playTraffic(d, PACK, 6, shape(oldLatency), { seed: 25, units: 2000 });
    const switched = await rolloutOf(d, id);
    expect(switched).toMatchObject({ stage: 'rollbackWindow', weight: 100, phase: 'Progressing' });
    expect(switched.timeline.at(-1).reason).toContain('→ switched to 2.0.0 (blue-green), rollback window');
    await playTraffic(
      d,
      PACK,
      3,
      shape((r) => 1500 + 600 * r()),
      { seed: 26, units: 2000, until: settled(d, id) },
    );
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('RolledBack');
    expect(after.reason).toContain('vs 1.0.0 before the switch');
  });
});

describe('operator actions on a blue-green switch', () => {
  test('promote during the preview switches; promote --full in the window completes at once', async () => {
    const { d, id } = await switchTo(
      '    strategy: blueGreen\n    preview: { weight: 20%, duration: 1h }\n    rollbackWindow: 1h',
      0,
    );
    const act = (body: unknown) =>
      d.request(`/api/v1/rollouts/${id}/promote`, { method: 'POST', json: body, as: 'operate' });
    const switched = await (await act({})).json();
    expect(switched).toMatchObject({ stage: 'rollbackWindow', weight: 100, phase: 'Progressing' });
    expect(switched.timeline.at(-1).reason).toBe('switched to 2.0.0 (blue-green): rollback window');
    d.clock.advance(5 * MINUTE_MS);
    const done = await (await act({ full: true, reason: 'verified by hand' })).json();
    expect(done).toMatchObject({ phase: 'Completed', stage: null, stageEndsAt: null, weight: 100 });
    expect(done.timeline.at(-1).reason).toBe(
      '2.0.0 is now stable: rollback window ended early by test-operate; verified by hand',
    );
    const audit = await (await d.request(`/api/v1/audit?pack=${PACK}&limit=20`, { as: 'read' })).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toContain('rollout.promote_full');
    const flag = d.ctx.config.current().evaluator.evaluate(PACK, { targetingKey: 'u1' }, d.clock.now());
    expect(flag.variant).toBe('2.0.0');
  });
});

describe('applying a blue-green pack', () => {
  test('canary fields are 400 invalid_body at their path; a preview of an undefined segment is unknown_segment', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const put = (rollout: string) =>
      d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: packYaml('1.0.0', rollout) });
    const ramp = await put(`${BLUE_GREEN}\n    canaryWeight: 10`);
    expect(ramp.status).toBe(400);
    const rampBody = await ramp.json();
    expect(rampBody).toMatchObject({ code: 'invalid_body', path: ['spec', 'rollout', 'canaryWeight'] });
    expect(rampBody.message).toContain('blueGreen has preview');
    const window = await put('    rollbackWindow: 1h');
    expect(await window.json()).toMatchObject({
      code: 'invalid_body',
      path: ['spec', 'rollout', 'rollbackWindow'],
    });
    const unknown = await put(`${BLUE_GREEN}\n    preview: { segment: nobody, duration: 5m }`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      code: 'unknown_segment',
      path: ['spec', 'rollout', 'preview', 'segment'],
    });
  });
});
