import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  examplesPresent,
  examplesRequired,
  examplesSkipReason,
  readExample,
  readExampleSegments,
} from '../packs/testing/pack-examples.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

/** A pack of `support-prompts` at `version`, as JSON. */
function pack(
  version: string,
  rollout: Record<string, unknown> = { canaryWeight: 10, stepWeight: 10, stepInterval: '5m' },
) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: { version, rollout },
  };
}

const PATH = '/api/v1/packs/support-prompts';

async function apply(d: TestDaemon, body: unknown) {
  return d.request(PATH, { method: 'PUT', json: body });
}

async function configRevision(d: TestDaemon): Promise<number> {
  return (await (await d.request('/api/v1/config', { as: 'evaluate' })).json()).revision;
}

async function evaluate(d: TestDaemon, context: Record<string, unknown>) {
  const res = await d.request('/ofrep/v1/evaluate/flags/support-prompts', {
    method: 'POST',
    as: 'evaluate',
    json: { context },
  });
  return res.json();
}

/** Applies 2.3.1 (stable) then 2.4.0 (a rollout); returns the rollout id. */
async function withLiveRollout(d: TestDaemon): Promise<string> {
  expect((await apply(d, pack('2.3.1'))).status).toBe(201);
  const started = await apply(d, pack('2.4.0'));
  expect(started.status).toBe(200);
  return (await started.json()).rollout.id;
}

describe(`the users' example packs apply unchanged${examplesSkipReason}`, () => {
  it.runIf(examplesRequired)('are present under CI', () => {
    expect(examplesPresent, examplesSkipReason).toBe(true);
  });

  it.skipIf(!examplesPresent)(
    'the seed promptpack (omnia apiVersion) applies as YAML and serves its version',
    async () => {
      const d = createTestDaemon();
      const res = await d.request(PATH, { method: 'PUT', yaml: readExample('seed-promptpack.yaml') });
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body).toMatchObject({
        revision: 1,
        pack: { apiVersion: 'omnia.altairalabs.ai/v1alpha1', stableVersion: '2.4.0', liveRollout: null },
      });
      expect(body.rollout).toBeUndefined();
      expect(res.headers.get('etag')).toMatch(/^".+"$/);
      expect(await evaluate(d, { targetingKey: 'u1' })).toMatchObject({ value: '2.4.0', reason: 'STATIC' });
    },
  );

  it.skipIf(!examplesPresent)(
    'the seed promptpack rolls out from a previous stable version at 10%',
    async () => {
      const d = createTestDaemon();
      const previous = YAML.parse(readExample('seed-promptpack.yaml'));
      previous.spec.version = '2.3.1';
      await apply(d, previous);
      const res = await d.request(PATH, { method: 'PUT', yaml: readExample('seed-promptpack.yaml') });
      expect(res.status).toBe(200);
      expect((await res.json()).rollout).toMatchObject({
        phase: 'Progressing',
        stableVersion: '2.3.1',
        canaryVersion: '2.4.0',
        weight: 10,
        effectiveWeight: 10,
        step: 1,
        steps: 10,
      });
    },
  );

  it.skipIf(!examplesPresent)(
    'the segments pack runs its segments, with segments.json defined on the daemon',
    async () => {
      const d = createTestDaemon();
      for (const [name, segment] of Object.entries(readExampleSegments())) {
        expect((await d.request(`/api/v1/segments/${name}`, { method: 'PUT', json: segment })).status).toBe(
          201,
        );
      }
      const stable = YAML.parse(readExample('seed-segments.yaml'));
      stable.spec.version = '2.3.1';
      expect((await apply(d, stable)).status).toBe(201);
      const res = await d.request(PATH, { method: 'PUT', yaml: readExample('seed-segments.yaml') });
      expect(res.status).toBe(200);
      expect((await res.json()).rollout).toMatchObject({ weight: 100, step: 0, segment: 'internal_users' });
      expect(await evaluate(d, { targetingKey: 'u1', plan: 'internal' })).toMatchObject({
        value: '2.4.0',
        reason: 'TARGETING_MATCH',
      });
      expect(await evaluate(d, { targetingKey: 'u1', beta: true })).toMatchObject({
        value: '2.3.1',
        reason: 'DEFAULT',
      });
    },
  );

  it.skipIf(!examplesPresent)(
    'the segments pack without its named segments defined is 400 unknown_segment',
    async () => {
      const d = createTestDaemon();
      const res = await d.request(PATH, { method: 'PUT', yaml: readExample('seed-segments.yaml') });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        code: 'unknown_segment',
        path: ['spec', 'rollout', 'segments', 0, 'name'],
      });
    },
  );

  it.skipIf(!examplesPresent)('the schedule pack serves the weight of the window open now', async () => {
    const d = createTestDaemon();
    d.clock.set(Date.parse('2025-01-01T03:00:00Z'));
    const stable = YAML.parse(readExample('seed-schedule.yaml'));
    stable.spec.version = '2.3.1';
    await apply(d, stable);
    const res = await d.request(PATH, { method: 'PUT', yaml: readExample('seed-schedule.yaml') });
    expect((await res.json()).rollout).toMatchObject({ weight: 0, effectiveWeight: 50 });
    d.clock.set(Date.parse('2025-01-01T12:00:00Z'));
    const list = await (await d.request('/api/v1/rollouts?pack=support-prompts', { as: 'read' })).json();
    expect(list[0]).toMatchObject({ effectiveWeight: 10 });
  });
});

describe('PUT /api/v1/packs/{name}', () => {
  it('re-applying the same spec while its rollout is live is a no-op: same revision, no new config', async () => {
    const d = createTestDaemon();
    const id = await withLiveRollout(d);
    const revision = await configRevision(d);
    const again = await d.request(PATH, {
      method: 'PUT',
      yaml: YAML.stringify(pack('2.4.0', { canaryWeight: '10%', stepWeight: 10, stepInterval: '5m' })),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ revision: 2, rollout: { id, phase: 'Progressing' } });
    expect(await configRevision(d)).toBe(revision);
  });

  it('a different version while a rollout is live is 409 rollout_in_progress', async () => {
    const d = createTestDaemon();
    await withLiveRollout(d);
    const res = await apply(d, pack('2.5.0'));
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe('rollout_in_progress');
  });

  it('an invalid body is 400 with its path even where a valid one would be 409', async () => {
    const d = createTestDaemon();
    await withLiveRollout(d);
    const res = await apply(d, pack('2.5.0', { canaryWeight: '150%' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'invalid_body',
      path: ['spec', 'rollout', 'canaryWeight'],
    });
  });

  it('a schedule window ending between two seconds is 400 at its path and writes nothing', async () => {
    const d = createTestDaemon();
    expect((await apply(d, pack('2.3.1'))).status).toBe(201);
    const before = await configRevision(d);
    const schedule = [{ window: '00:00-23:00', canaryWeight: 50, until: '2026-12-02T04:01:19.826Z' }];
    const res = await apply(
      d,
      pack('2.4.0', { canaryWeight: 10, stepWeight: 10, stepInterval: '5m', schedule }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'invalid_body',
      path: ['spec', 'rollout', 'schedule', 0, 'until'],
    });
    expect(await configRevision(d)).toBe(before);
    expect((await d.request('/api/v1/rollouts')).status).toBe(200);
    expect(await (await d.request(PATH)).json()).toMatchObject({ stableVersion: '2.3.1', liveRollout: null });
  });

  it('applying the stable version while live rolls back at once (fast rollback) and providers get stable', async () => {
    const d = createTestDaemon();
    const id = await withLiveRollout(d);
    const before = await configRevision(d);
    const res = await apply(d, pack('2.3.1'));
    expect(res.status).toBe(200);
    expect((await res.json()).rollout).toMatchObject({
      id,
      phase: 'RolledBack',
      weight: 0,
      effectiveWeight: 0,
    });
    expect(await configRevision(d)).toBe(before + 1);
    expect(await evaluate(d, { targetingKey: 'anyone' })).toMatchObject({ value: '2.3.1' });
    const detail = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
    expect(detail.timeline.at(-1)).toMatchObject({ from: 'Progressing', to: 'RolledBack', weight: 0 });
    expect(detail.reason).toContain('fast rollback');
  });

  it('after a rollback, applying the same spec again starts a new rollout (a retry)', async () => {
    const d = createTestDaemon();
    const first = await withLiveRollout(d);
    await d.request(`/api/v1/rollouts/${first}/rollback`, { method: 'POST', json: { reason: 'bad' } });
    const retry = await apply(d, pack('2.4.0'));
    expect(retry.status).toBe(200);
    const rollout = (await retry.json()).rollout;
    expect(rollout).toMatchObject({ phase: 'Progressing', weight: 10 });
    expect(rollout.id).not.toBe(first);
  });

  it('the stable version with a new spec and no rollout is a new revision without a rollout', async () => {
    const d = createTestDaemon();
    await apply(d, pack('2.3.1'));
    const res = await apply(d, pack('2.3.1', { canaryWeight: 5 }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ revision: 2, pack: { stableVersion: '2.3.1', liveRollout: null } });
    expect(body.rollout).toBeUndefined();
  });

  it('rejects a name that differs from the path, and a non-pack content type', async () => {
    const d = createTestDaemon();
    const other = await d.request('/api/v1/packs/other', { method: 'PUT', json: pack('1') });
    expect(await other.json()).toMatchObject({ code: 'invalid_body', path: ['metadata', 'name'] });
    const text = await d.request(PATH, {
      method: 'PUT',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('answers 412 to a stale If-Match and 409 when a plain flag holds the name', async () => {
    const d = createTestDaemon();
    const created = await apply(d, pack('2.3.1'));
    await apply(d, pack('2.3.1', { canaryWeight: 5 }));
    const stale = await d.request(PATH, {
      method: 'PUT',
      json: pack('2.3.1'),
      headers: { 'if-match': created.headers.get('etag') ?? '' },
    });
    expect(stale.status).toBe(412);
    await d.request('/api/v1/flags/plain', {
      method: 'PUT',
      json: { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' },
    });
    const clash = await d.request('/api/v1/packs/plain', {
      method: 'PUT',
      json: { ...pack('1'), metadata: { name: 'plain' } },
    });
    expect(clash.status).toBe(409);
  });

  it('the pack flag cannot be written as a plain flag', async () => {
    const d = createTestDaemon();
    await apply(d, pack('2.3.1'));
    const res = await d.request('/api/v1/flags/support-prompts', {
      method: 'PUT',
      json: { state: 'ENABLED', variants: { a: 'a' }, defaultVariant: 'a' },
    });
    expect((await res.json()).code).toBe('owned_by_pack');
  });
});

describe('GET and DELETE /api/v1/packs', () => {
  it('shows the stable version, the live rollout and the history, newest first', async () => {
    const d = createTestDaemon();
    const id = await withLiveRollout(d);
    const res = await d.request(PATH, { as: 'read' });
    expect(res.headers.get('etag')).toMatch(/^".+"$/);
    const body = await res.json();
    expect(body).toMatchObject({
      name: 'support-prompts',
      stableVersion: '2.3.1',
      liveRollout: id,
      revision: 2,
    });
    expect(body.history.map((h: { version: string; outcome: string }) => [h.version, h.outcome])).toEqual([
      ['2.4.0', 'start_rollout'],
      ['2.3.1', 'create'],
    ]);
    const list = await (await d.request('/api/v1/packs', { as: 'read' })).json();
    expect(list.map((p: { name: string }) => p.name)).toEqual(['support-prompts']);
  });

  it('DELETE is 409 while a rollout is live, unless forced; then the pack, its flag and rollouts are gone', async () => {
    const d = createTestDaemon();
    const id = await withLiveRollout(d);
    const refused = await d.request(PATH, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).code).toBe('rollout_in_progress');
    expect((await d.request(`${PATH}?force=true`, { method: 'DELETE' })).status).toBe(204);
    expect((await d.request(PATH, { as: 'read' })).status).toBe(404);
    expect((await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).status).toBe(404);
    expect((await evaluate(d, { targetingKey: 'u' })).errorCode).toBe('FLAG_NOT_FOUND');
  });

  it('DELETE without a live rollout needs no force; a missing pack is 404', async () => {
    const d = createTestDaemon();
    await apply(d, pack('2.3.1'));
    expect((await d.request(PATH, { method: 'DELETE' })).status).toBe(204);
    expect((await d.request(PATH, { method: 'DELETE' })).status).toBe(404);
  });

  it('PUT and DELETE need the admin scope', async () => {
    const d = createTestDaemon();
    expect((await d.request(PATH, { method: 'PUT', json: pack('1'), as: 'operate' })).status).toBe(403);
    expect((await d.request(PATH, { method: 'DELETE', as: 'read' })).status).toBe(403);
  });
});

describe('/openapi.json', () => {
  it('describes the pack and rollout routes with the schemas that validate them', async () => {
    const d = createTestDaemon();
    const doc = await (await d.request('/openapi.json', { as: null })).json();
    const put = doc.paths['/api/v1/packs/{name}'].put;
    expect(Object.keys(put.requestBody.content)).toEqual(['application/json', 'application/yaml']);
    expect(put.requestBody.content['application/json'].schema.required).toEqual([
      'apiVersion',
      'kind',
      'metadata',
      'spec',
    ]);
    expect(doc.paths['/api/v1/rollouts/{id}/rollback'].post['x-scope']).toBe('operate');
    expect(doc.paths['/api/v1/rollouts'].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      'pack',
      'phase',
    ]);
  });
});
