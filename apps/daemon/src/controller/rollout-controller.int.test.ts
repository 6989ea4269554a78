import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { openDatabase } from '../db/database.js';
import { SqliteRolloutStore } from '../rollouts/sqlite-rollout-store.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { SqliteControllerStateStore } from './sqlite-controller-state-store.js';
import { passingChecks, withCheck } from './testing/machine-driver.js';
import { ScriptedAnalysis } from './testing/scripted-analysis.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;
const H = 3_600_000;

function pack(version: string, rollout: Record<string, unknown> = {}) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: {
      version,
      rollout: {
        canaryWeight: 10,
        stepWeight: 10,
        stepInterval: '5m',
        analysis: {
          interval: '1m',
          failureThreshold: 2,
          metrics: [
            { name: 'success_rate', threshold: '90%', comparison: '>=' },
            { name: 'latency_p99', threshold: '3000ms', comparison: '<=' },
          ],
        },
        ...rollout,
      },
    },
  };
}

const opened: TestDaemon[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

function daemon(
  analysis = new ScriptedAnalysis(),
  clock = new ManualClock(T0),
  db = openDatabase(':memory:'),
) {
  const d = createTestDaemon({}, clock, { analysis, db });
  opened.push(d);
  return { d, analysis };
}

async function startRollout(d: TestDaemon, rollout: Record<string, unknown> = {}): Promise<string> {
  await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1', rollout) });
  const res = await d.request('/api/v1/packs/support-prompts', {
    method: 'PUT',
    json: pack('2.4.0', rollout),
  });
  return (await res.json()).rollout.id;
}

async function rolloutOf(d: TestDaemon, id: string) {
  return (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
}

async function canaryWeightServed(d: TestDaemon): Promise<number> {
  const config = await (await d.request('/api/v1/config', { as: 'evaluate' })).json();
  const flag = config.flags['support-prompts'];
  const ramp = flag.rules?.find((rule: { name?: string }) => rule.name === 'ramp');
  if (ramp === undefined) return flag.defaultVariant === '2.4.0' ? 100 : 0;
  return ramp.serve.split.arms[0].weight;
}

const latencyBreach = (rollout: Parameters<typeof passingChecks>[0]) =>
  withCheck(
    passingChecks(rollout),
    'latency_p99',
    { result: 'Fail', canary: 3412, reason: 'latency_p99 canary 3,412 ms > 3,000 ms (n=412)' },
    'threshold',
  );

describe('the rollout loop on a manual clock', () => {
  test('a healthy rollout steps every 5 minutes to 100% and completes, every step audited by the controller', async () => {
    const { d } = daemon();
    const id = await startRollout(d);
    d.clock.advance(4 * MIN);
    expect((await rolloutOf(d, id)).weight).toBe(10);
    d.clock.advance(MIN);
    expect((await rolloutOf(d, id)).weight).toBe(20);
    expect(await canaryWeightServed(d)).toBe(20);
    d.clock.advance(60 * MIN);
    const done = await rolloutOf(d, id);
    expect(done).toMatchObject({ phase: 'Completed', weight: 100 });
    const audit = await (
      await d.request('/api/v1/audit?pack=support-prompts&limit=100', { as: 'read' })
    ).json();
    const steps = audit.items.filter((e: { action: string }) => e.action === 'rollout.step');
    expect(steps).toHaveLength(9);
    expect(steps.every((e: { actor: string }) => e.actor === 'controller')).toBe(true);
    expect(audit.items.some((e: { action: string }) => e.action === 'rollout.complete')).toBe(true);
    const packView = await (await d.request('/api/v1/packs/support-prompts', { as: 'read' })).json();
    expect(packView.stableVersion).toBe('2.4.0');
  });

  test('a latency breach rolls back within failureThreshold × interval, and providers get weight 0', async () => {
    const { d, analysis } = daemon();
    const id = await startRollout(d);
    d.clock.advance(7 * MIN);
    expect((await rolloutOf(d, id)).weight).toBe(20);
    const breachAt = d.clock.now();
    analysis.script = latencyBreach;
    d.clock.advance(2 * MIN);
    const rolledBack = await rolloutOf(d, id);
    expect(rolledBack).toMatchObject({
      phase: 'RolledBack',
      weight: 0,
      effectiveWeight: 0,
      reason: 'latency_p99 failed 2 consecutive checks (3,412 ms > 3,000 ms)',
    });
    expect(Date.parse(rolledBack.endedAt) - breachAt).toBeLessThanOrEqual(2 * MIN);
    expect(await canaryWeightServed(d)).toBe(0);
    expect(rolledBack.lastCheck).toMatchObject({
      decision: { kind: 'rollback' },
      failures: { latency_p99: 2 },
    });
    const looks = analysis.looksAt(id);
    d.clock.advance(30 * MIN);
    expect(analysis.looksAt(id)).toBe(looks);
  });

  test('the sequential state is handed back look after look', async () => {
    const { d, analysis } = daemon();
    await startRollout(d);
    d.clock.advance(3 * MIN);
    expect(analysis.statesSeen).toEqual([undefined, { looks: 1 }, { looks: 2 }]);
  });

  test('GET /api/v1/rollouts/{id} shows the last check with its verdicts', async () => {
    const { d } = daemon();
    const id = await startRollout(d);
    expect((await rolloutOf(d, id)).lastCheck).toBeNull();
    d.clock.advance(MIN);
    const { lastCheck } = await rolloutOf(d, id);
    expect(lastCheck).toMatchObject({
      at: '2026-01-05T12:01:00.000Z',
      stage: '0/0',
      decision: { kind: 'hold', reason: 'step 1 (10%): 1m of 5m' },
      srm: { result: 'Pass' },
    });
    expect(lastCheck.checks.length).toBeGreaterThan(0);
  });

  test('the time scale runs a 5-minute step in 5 seconds and checks every second', async () => {
    const { d, analysis } = daemon(new ScriptedAnalysis(), new ManualClock(T0, 60));
    const id = await startRollout(d);
    d.clock.advance(5_000);
    expect(analysis.looksAt(id)).toBe(5);
    expect((await rolloutOf(d, id)).weight).toBe(20);
  });
});

describe('segment phases and multi-day steps on the manual clock', () => {
  test('internal users for 24h, beta users for 12h, then the ramp; days-long steps advance on schedule', async () => {
    const { d } = daemon();
    const id = await startRollout(d, {
      canaryWeight: undefined,
      stepWeight: undefined,
      stepInterval: undefined,
      steps: [
        { weight: 10, minDuration: '2d' },
        { weight: 100, monitorFor: '1d' },
      ],
      segments: [
        { name: 'internal_users', match: { plan: 'internal' }, weight: '100%', duration: '24h' },
        { name: 'beta_users', match: { beta: true }, weight: '50%', duration: '12h' },
        { name: 'all_users', weight: 'progressive' },
      ],
    });
    expect(await rolloutOf(d, id)).toMatchObject({ segment: 'internal_users', weight: 100, step: 0 });
    d.clock.advance(24 * H - MIN);
    expect((await rolloutOf(d, id)).segment).toBe('internal_users');
    d.clock.advance(MIN);
    expect(await rolloutOf(d, id)).toMatchObject({ segment: 'beta_users', weight: 50 });
    d.clock.advance(12 * H);
    expect(await rolloutOf(d, id)).toMatchObject({ segment: null, step: 1, weight: 10 });
    d.clock.advance(48 * H - MIN);
    expect((await rolloutOf(d, id)).weight).toBe(10);
    d.clock.advance(MIN);
    expect((await rolloutOf(d, id)).weight).toBe(100);
    d.clock.advance(24 * H);
    expect((await rolloutOf(d, id)).phase).toBe('Completed');
    const timeline = (await rolloutOf(d, id)).timeline.map((e: { weight: number }) => e.weight);
    expect(timeline).toEqual([100, 50, 10, 100, 100]);
  });
});

describe('operator actions and the loop', () => {
  const approval = {
    canaryWeight: undefined,
    stepWeight: undefined,
    stepInterval: undefined,
    steps: [
      { weight: 10, minDuration: '5m', approval: 'required' },
      { weight: 50, minDuration: '5m' },
    ],
  };

  test('an approval step pauses AwaitingApproval until an operator promotes it', async () => {
    const { d } = daemon();
    const id = await startRollout(d, approval);
    d.clock.advance(10 * MIN);
    expect(await rolloutOf(d, id)).toMatchObject({
      phase: 'Paused',
      reason: expect.stringMatching(/^AwaitingApproval/),
    });
    const resumed = await (
      await d.request(`/api/v1/rollouts/${id}/resume`, { method: 'POST', as: 'operate' })
    ).json();
    expect(resumed.phase).toBe('Paused');
    const promoted = await (
      await d.request(`/api/v1/rollouts/${id}/promote`, { method: 'POST', as: 'operate' })
    ).json();
    expect(promoted).toMatchObject({ phase: 'Progressing', weight: 50 });
    d.clock.advance(5 * MIN);
    expect((await rolloutOf(d, id)).weight).toBe(100);
  });

  test('resume after a NoData pause restarts the inconclusive timer', async () => {
    const { d, analysis } = daemon();
    const id = await startRollout(d);
    analysis.script = (rollout) => passingChecks(rollout).filter((c) => c.metric !== 'success_rate');
    d.clock.advance(31 * MIN);
    expect(await rolloutOf(d, id)).toMatchObject({
      phase: 'Paused',
      reason: expect.stringMatching(/^NoData: success_rate/),
    });
    await d.request(`/api/v1/rollouts/${id}/resume`, { method: 'POST', as: 'operate' });
    d.clock.advance(10 * MIN);
    expect((await rolloutOf(d, id)).phase).toBe('Progressing');
    d.clock.advance(25 * MIN);
    expect((await rolloutOf(d, id)).phase).toBe('Paused');
  });

  test('a manual rollback and a fast rollback stop the loop for that rollout', async () => {
    const { d, analysis } = daemon();
    const first = await startRollout(d);
    d.clock.advance(2 * MIN);
    await d.request(`/api/v1/rollouts/${first}/rollback`, {
      method: 'POST',
      as: 'operate',
      json: { reason: 'no' },
    });
    const afterManual = analysis.looksAt(first);
    d.clock.advance(10 * MIN);
    expect(analysis.looksAt(first)).toBe(afterManual);

    const second = (
      await (await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.4.0') })).json()
    ).rollout.id;
    d.clock.advance(2 * MIN);
    await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1') });
    expect((await rolloutOf(d, second)).phase).toBe('RolledBack');
    const afterFast = analysis.looksAt(second);
    d.clock.advance(10 * MIN);
    expect(analysis.looksAt(second)).toBe(afterFast);
  });
});

describe('restart safety', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  test('closing and reopening the database mid-rollout resumes the same step, without a double step', async () => {
    dir = mkdtempSync(join(tmpdir(), 'canary-controller-'));
    const path = join(dir, 'canary.db');
    const clock = new ManualClock(T0);
    const first = daemon(new ScriptedAnalysis(), clock, openDatabase(path));
    const id = await startRollout(first.d);
    clock.advance(12 * MIN);
    const before = await rolloutOf(first.d, id);
    expect(before.weight).toBe(30);
    await first.d.close();
    first.d.db.close();
    opened.splice(0);

    const second = daemon(new ScriptedAnalysis(), clock, openDatabase(path));
    const after = await rolloutOf(second.d, id);
    expect(after).toMatchObject({ phase: 'Progressing', weight: 30, step: 3, updatedAt: before.updatedAt });
    clock.advance(2 * MIN);
    expect((await rolloutOf(second.d, id)).weight).toBe(30);
    clock.advance(MIN);
    expect((await rolloutOf(second.d, id)).weight).toBe(40);
    second.d.db.close();
  });

  test('a rollback due at the kill (failure counted, transition lost) happens on restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'canary-controller-'));
    const path = join(dir, 'canary.db');
    const clock = new ManualClock(T0);
    const first = daemon(new ScriptedAnalysis(), clock, openDatabase(path));
    first.analysis.script = latencyBreach;
    const id = await startRollout(first.d);
    clock.advance(MIN);
    expect((await rolloutOf(first.d, id)).lastCheck.failures).toEqual({ latency_p99: 1 });
    // The second failed look was persisted, but the process died before its rollback committed.
    const state = new SqliteControllerStateStore(first.d.db);
    const record = state.get(id);
    if (record?.lastCheck == null) throw new Error('no record');
    state.save(
      id,
      { ...record, memory: { ...record.memory, failures: { latency_p99: 2 } } },
      '2026-01-05T12:02:00Z',
    );
    await first.d.close();
    first.d.db.close();
    opened.splice(0);

    const db = openDatabase(path);
    expect(new SqliteRolloutStore(db).get(id)?.phase).toBe('Progressing');
    const second = daemon(new ScriptedAnalysis(), clock, db);
    expect(await rolloutOf(second.d, id)).toMatchObject({
      phase: 'RolledBack',
      weight: 0,
      reason: 'latency_p99 failed 2 consecutive checks (3,412 ms > 3,000 ms)',
    });
    second.d.db.close();
  });

  test('an overdue look runs at once on restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'canary-controller-'));
    const path = join(dir, 'canary.db');
    const clock = new ManualClock(T0);
    const first = daemon(new ScriptedAnalysis(), clock, openDatabase(path));
    const id = await startRollout(first.d);
    clock.advance(4 * MIN);
    await first.d.close();
    first.d.db.close();
    opened.splice(0);
    clock.advance(H);
    const analysis = new ScriptedAnalysis();
    const second = daemon(analysis, clock, openDatabase(path));
    second.d.clock.advance(0);
    expect(analysis.looksAt(id)).toBe(1);
    expect((await rolloutOf(second.d, id)).weight).toBe(20);
    second.d.db.close();
  });
});
