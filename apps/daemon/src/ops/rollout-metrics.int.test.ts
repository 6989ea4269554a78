import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { passingChecks, withCheck } from '../controller/testing/machine-driver.js';
import { ScriptedAnalysis } from '../controller/testing/scripted-analysis.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { rollbackReasonOf } from './rollout-metrics.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;
const daemons: TestDaemon[] = [];

afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

function setup() {
  const analysis = new ScriptedAnalysis();
  const d = createTestDaemon({}, new ManualClock(T0), { analysis });
  daemons.push(d);
  return { d, analysis };
}

function pack(name: string, version: string, rollout: Record<string, unknown>) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name },
    spec: { version, rollout },
  };
}

const ramp = {
  canaryWeight: 10,
  stepWeight: 20,
  stepInterval: '5m',
  analysis: { metrics: [{ name: 'latency_p99', threshold: '3000ms' }] },
};

/** Starts a rollout of `name` from 1.0.0 to 1.1.0; returns its id. */
async function startRollout(d: TestDaemon, name: string, rollout: Record<string, unknown> = ramp) {
  await d.request(`/api/v1/packs/${name}`, { method: 'PUT', json: pack(name, '1.0.0', rollout) });
  const res = await d.request(`/api/v1/packs/${name}`, { method: 'PUT', json: pack(name, '1.1.0', rollout) });
  return (await res.json()).rollout.id as string;
}

/** The value of one series on `/metrics`, or `undefined` when it is absent. */
async function series(
  d: TestDaemon,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const text = await (await d.request('/metrics', { as: 'read' })).text();
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${wanted}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const ratio = (d: TestDaemon, pack: string) => series(d, 'canaryd_canary_weight_ratio', { pack });
const rollbacks = (d: TestDaemon, pack: string, reason: string) =>
  series(d, 'canaryd_rollbacks_total', { pack, reason });

describe('canaryd_canary_weight_ratio', () => {
  it("follows the live rollout's effective weight step by step, and is 0 without a live rollout", async () => {
    const { d } = setup();
    await d.request('/api/v1/packs/idle', { method: 'PUT', json: pack('idle', '1.0.0', ramp) });
    expect(await ratio(d, 'idle')).toBe(0);

    await startRollout(d, 'support-prompts');
    expect(await ratio(d, 'support-prompts')).toBe(0.1);
    d.clock.advance(5 * MIN + 1);
    expect(await ratio(d, 'support-prompts')).toBe(0.3);

    await d.request('/api/v1/packs/support-prompts?force=true', { method: 'DELETE' });
    expect(await ratio(d, 'support-prompts')).toBeUndefined();
  });

  it('reads the schedule window open at scrape time', async () => {
    const { d } = setup();
    await startRollout(d, 'triage', {
      schedule: [
        { window: '06:00-18:00 UTC', canaryWeight: 10 },
        { window: '18:00-06:00 UTC', canaryWeight: '40%' },
      ],
    });
    expect(await ratio(d, 'triage')).toBe(0.1); // 12:00 UTC
    d.clock.advance(7 * 60 * MIN); // 19:00 UTC
    expect(await ratio(d, 'triage')).toBe(0.4);
  });
});

describe('canaryd_rollbacks_total', () => {
  it('counts the controller rollback of a failing metric as analysis, and sets the weight to 0', async () => {
    const { d, analysis } = setup();
    await startRollout(d, 'support-prompts');
    expect(await rollbacks(d, 'support-prompts', 'analysis')).toBeUndefined();
    analysis.script = (rollout) =>
      withCheck(passingChecks(rollout), 'latency_p99', { result: 'Fail', reason: 'latency_p99 too slow' });
    d.clock.advance(3 * MIN);
    const [rollout] = await (await d.request('/api/v1/rollouts?pack=support-prompts')).json();
    expect(rollout.phase).toBe('RolledBack');
    expect(await rollbacks(d, 'support-prompts', 'analysis')).toBe(1);
    expect(await rollbacks(d, 'support-prompts', 'manual')).toBeUndefined();
    expect(await ratio(d, 'support-prompts')).toBe(0);
  });

  it("counts an operator's rollback as manual and a re-applied stable version as fast_rollback", async () => {
    const { d } = setup();
    const id = await startRollout(d, 'support-prompts');
    await d.request(`/api/v1/rollouts/${id}/rollback`, {
      method: 'POST',
      as: 'operate',
      json: { reason: 'no' },
    });
    expect(await rollbacks(d, 'support-prompts', 'manual')).toBe(1);

    // A retry of the same version, then the stable version applied during it: a fast rollback.
    await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('support-prompts', '1.1.0', ramp),
    });
    expect(await ratio(d, 'support-prompts')).toBe(0.1);
    await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('support-prompts', '1.0.0', ramp),
    });
    expect(await rollbacks(d, 'support-prompts', 'fast_rollback')).toBe(1);
    expect(await rollbacks(d, 'support-prompts', 'manual')).toBe(1);

    // Applies that roll nothing back count nothing.
    await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('support-prompts', '1.0.0', ramp),
    });
    expect(await rollbacks(d, 'support-prompts', 'fast_rollback')).toBe(1);
  });
});

describe('rollbackReasonOf', () => {
  it('tells rollbacks from other audit entries', () => {
    const outcome = (value: string | undefined) => () => value;
    const entry = (action: string, actor: string) => ({ action, actor, pack: 'p' });
    expect(rollbackReasonOf(entry('rollout.rollback', 'controller'), outcome(undefined))).toBe('analysis');
    expect(rollbackReasonOf(entry('rollout.rollback', 'alice'), outcome(undefined))).toBe('manual');
    expect(rollbackReasonOf(entry('pack.apply', 'alice'), outcome('fast_rollback'))).toBe('fast_rollback');
    expect(rollbackReasonOf(entry('pack.apply', 'alice'), outcome('start_rollout'))).toBeNull();
    expect(rollbackReasonOf(entry('rollout.pause', 'controller'), outcome(undefined))).toBeNull();
  });
});
