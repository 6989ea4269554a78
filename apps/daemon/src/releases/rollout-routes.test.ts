import { describe, expect, it } from 'vitest';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

function pack(
  version: string,
  rollout: Record<string, unknown> = { canaryWeight: 10, stepWeight: 40, stepInterval: '5m' },
) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: { version, rollout },
  };
}

async function startRollout(d: TestDaemon, version = '2.4.0'): Promise<string> {
  await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1') });
  const res = await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack(version) });
  return (await res.json()).rollout.id;
}

function act(d: TestDaemon, id: string, action: string, body?: unknown, as = 'operate') {
  return d.request(`/api/v1/rollouts/${id}/${action}`, {
    method: 'POST',
    as,
    ...(body === undefined ? {} : { json: body }),
  });
}

async function config(d: TestDaemon) {
  return (await d.request('/api/v1/config', { as: 'evaluate' })).json();
}

describe('rollout actions', () => {
  it('pause holds the weight and records the operator and reason; resume continues', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    const paused = await act(d, id, 'pause', { reason: 'checking a report' });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({
      phase: 'Paused',
      weight: 10,
      reason: 'Manual: checking a report',
    });
    const resumed = await (await act(d, id, 'resume')).json();
    expect(resumed).toMatchObject({ phase: 'Progressing', weight: 10 });
    expect(resumed.timeline.map((e: { to: string; actor: string }) => [e.to, e.actor])).toEqual([
      ['Progressing', 'test-admin'],
      ['Paused', 'test-operate'],
      ['Progressing', 'test-operate'],
    ]);
    const audit = await (await d.request('/api/v1/audit?pack=support-prompts', { as: 'read' })).json();
    expect(audit.items[1]).toMatchObject({
      action: 'rollout.pause',
      actor: 'test-operate',
      reason: 'checking a report',
    });
  });

  it('promote steps up and the flag serves the new weight', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    const before = await config(d);
    const promoted = await (await act(d, id, 'promote')).json();
    expect(promoted).toMatchObject({ phase: 'Progressing', weight: 50, step: 2 });
    const after = await config(d);
    expect(after.revision).toBe(before.revision + 1);
    expect(after.flags['support-prompts'].rules.at(-1).serve.split.arms[0]).toEqual({
      variant: '2.4.0',
      weight: 50,
    });
  });

  it('promote full completes: the canary becomes the stable version for everyone', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    const done = await (await act(d, id, 'promote', { full: true, reason: 'looks good' })).json();
    expect(done).toMatchObject({ phase: 'Completed', weight: 100, effectiveWeight: 100 });
    const packView = await (await d.request('/api/v1/packs/support-prompts', { as: 'read' })).json();
    expect(packView).toMatchObject({ stableVersion: '2.4.0', liveRollout: null });
    expect((await config(d)).flags['support-prompts']).toMatchObject({
      variants: { '2.4.0': '2.4.0' },
      defaultVariant: '2.4.0',
      rules: [],
    });
  });

  it('rollback sets weight 0 at once and commits a new config revision that serves stable', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    const before = await config(d);
    const res = await act(d, id, 'rollback', { reason: 'answers got worse' });
    expect(await res.json()).toMatchObject({
      phase: 'RolledBack',
      weight: 0,
      effectiveWeight: 0,
      reason: 'answers got worse',
    });
    const after = await config(d);
    expect(after.revision).toBe(before.revision + 1);
    expect(after.flags['support-prompts']).toMatchObject({ defaultVariant: '2.3.1', rules: [] });
  });

  it('actions on a finished rollout are 409 rollout_not_active', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    await act(d, id, 'rollback');
    for (const action of ['pause', 'resume', 'promote', 'rollback']) {
      const res = await act(d, id, action);
      expect(res.status).toBe(409);
      expect((await res.json()).code).toBe('rollout_not_active');
    }
  });

  it('validates the body first, needs operate, and 404s an unknown rollout', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    const bad = await act(d, id, 'pause', { reason: 5 });
    expect(await bad.json()).toMatchObject({ code: 'invalid_body', path: ['reason'] });
    expect((await act(d, id, 'pause', { full: true })).status).toBe(400);
    expect((await act(d, id, 'pause', undefined, 'read')).status).toBe(403);
    expect((await act(d, 'nope', 'pause')).status).toBe(404);
  });

  it('a stale If-Match is 412', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    const etag = (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).headers.get('etag') ?? '';
    await act(d, id, 'pause');
    const res = await d.request(`/api/v1/rollouts/${id}/resume`, {
      method: 'POST',
      as: 'operate',
      headers: { 'if-match': etag },
    });
    expect(res.status).toBe(412);
  });
});

describe('GET /api/v1/rollouts', () => {
  it('lists newest first with the API fields, filtered by pack and phase', async () => {
    const d = createTestDaemon();
    const first = await startRollout(d);
    await act(d, first, 'rollback');
    d.clock.advance(1000);
    const second = (
      await (await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.4.0') })).json()
    ).rollout.id;
    const list = await (await d.request('/api/v1/rollouts?pack=support-prompts', { as: 'read' })).json();
    expect(list.map((r: { id: string }) => r.id)).toEqual([second, first]);
    expect(Object.keys(list[0]).sort()).toEqual(
      [
        'id',
        'pack',
        'phase',
        'reason',
        'stableVersion',
        'canaryVersion',
        'weight',
        'effectiveWeight',
        'step',
        'steps',
        'segment',
        'startedAt',
        'updatedAt',
        'endedAt',
        'strategy',
        'stage',
        'stageEndsAt',
      ].sort(),
    );
    const rolledBack = await (await d.request('/api/v1/rollouts?phase=RolledBack', { as: 'read' })).json();
    expect(rolledBack.map((r: { id: string }) => r.id)).toEqual([first]);
    expect(await d.request('/api/v1/rollouts?pack=other', { as: 'read' }).then((r) => r.json())).toEqual([]);
    expect((await d.request('/api/v1/rollouts?phase=Running', { as: 'read' })).status).toBe(400);
  });

  it('shows one rollout with its spec, plan and timeline', async () => {
    const d = createTestDaemon();
    const id = await startRollout(d);
    const detail = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
    expect(detail).toMatchObject({
      id,
      pack: 'support-prompts',
      spec: { canaryWeight: 10, stepIntervalMs: 300_000 },
    });
    expect(detail.plan.steps.map((s: { weight: number }) => s.weight)).toEqual([10, 50, 90, 100]);
    expect(detail.timeline).toHaveLength(1);
  });
});
