import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { ScriptedAnalysis } from './testing/scripted-analysis.js';
import { ScriptedLeadership } from './testing/scripted-leadership.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;

function pack(version: string) {
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
        analysis: { interval: '1m', metrics: [{ name: 'success_rate', threshold: '90%', comparison: '>=' }] },
      },
    },
  };
}

const opened: TestDaemon[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

async function setup(leadership: ScriptedLeadership) {
  const analysis = new ScriptedAnalysis();
  const d = createTestDaemon({}, new ManualClock(T0), { analysis, leadership });
  opened.push(d);
  await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1') });
  const res = await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.4.0') });
  const id: string = (await res.json()).rollout.id;
  const rollout = async () => (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
  const controllerEntries = async () =>
    (await (await d.request('/api/v1/audit?limit=100', { as: 'read' })).json()).items.filter(
      (e: { actor: string }) => e.actor === 'controller',
    );
  return { d, analysis, id, rollout, controllerEntries };
}

describe('the controller under a leadership', () => {
  test('a follower looks at nothing; on gaining the leadership it starts looking at once', async () => {
    const leadership = new ScriptedLeadership(false);
    const { d, analysis, id, rollout, controllerEntries } = await setup(leadership);
    d.clock.advance(12 * MIN);
    expect(analysis.looksAt(id)).toBe(0);
    expect((await rollout()).weight).toBe(10);
    expect(await controllerEntries()).toEqual([]);

    leadership.set(true);
    expect((await rollout()).weight).toBe(20);
    d.clock.advance(5 * MIN);
    expect((await rollout()).weight).toBe(30);
  });

  test('a leader that lost its lease mid-look writes nothing: no step, no look, no audit entry', async () => {
    const leadership = new ScriptedLeadership(true);
    const { d, id, rollout, controllerEntries } = await setup(leadership);
    leadership.fenceLost = true;
    d.clock.advance(6 * MIN);
    expect(leadership.fenced).toBeGreaterThan(0);
    const now = await rollout();
    expect(now.weight).toBe(10);
    expect(now.lastCheck).toBeNull();
    expect(await controllerEntries()).toEqual([]);
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toMatch(
      /canaryd_controller_check_errors_total\{pack="support-prompts",stage="fence"\} [1-9]/,
    );
    expect(metrics).toMatch(/^canaryd_leader 0$/m);
    void id;
  });

  test('canaryd_leader is 0 on a follower', async () => {
    const { d } = await setup(new ScriptedLeadership(false));
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toMatch(/^canaryd_leader 0$/m);
    expect(metrics).toMatch(/^canaryd_change_feed_lag_seconds 0$/m);
  });
});
