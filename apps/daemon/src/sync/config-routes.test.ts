import { describe, expect, it } from 'vitest';
import { sseReader } from '../testing/sse-reader.js';
import { createTestDaemon } from '../testing/test-daemon.js';

const flag = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off' };

describe('GET /api/v1/config', () => {
  it('serves the snapshot with an ETag and answers 304 when it has not changed', async () => {
    const d = createTestDaemon();
    await d.request('/api/v1/flags/beta', { method: 'PUT', json: flag });
    const res = await d.request('/api/v1/config', { as: 'evaluate' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      schemaVersion: 1,
      revision: 1,
      flags: { beta: { key: 'beta', ...flag } },
    });
    const etag = res.headers.get('etag') ?? '';
    const again = await d.request('/api/v1/config', { as: 'evaluate', headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    await d.request('/api/v1/flags/beta', { method: 'PUT', json: { ...flag, defaultVariant: 'on' } });
    const changed = await d.request('/api/v1/config', { as: 'evaluate', headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect((await changed.json()).revision).toBe(2);
  });
});

describe('GET /api/v1/sync', () => {
  it('sends the snapshot on connect and every new revision as it commits', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/sync', { as: 'evaluate' });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = sseReader(res);
    const first = await events.next();
    expect(first).toMatchObject({ event: 'config', id: '0' });
    expect(JSON.parse(first.data ?? '')).toEqual({ schemaVersion: 1, revision: 0, flags: {} });
    await d.request('/api/v1/flags/beta', { method: 'PUT', json: flag });
    const second = await events.next();
    expect(second).toMatchObject({ event: 'config', id: '1' });
    expect(JSON.parse(second.data ?? '').flags.beta.defaultVariant).toBe('off');
    await events.close();
  });

  it('honours Last-Event-ID: nothing to resend when current, the snapshot when behind', async () => {
    const d = createTestDaemon();
    await d.request('/api/v1/flags/beta', { method: 'PUT', json: flag });
    const current = sseReader(
      await d.request('/api/v1/sync', { as: 'evaluate', headers: { 'last-event-id': '1' } }),
    );
    const behind = sseReader(
      await d.request('/api/v1/sync', { as: 'evaluate', headers: { 'last-event-id': '0' } }),
    );
    expect(await behind.next()).toMatchObject({ id: '1' });
    await d.request('/api/v1/flags/beta', { method: 'DELETE' });
    expect(await current.next()).toMatchObject({ id: '2' });
    await Promise.all([current.close(), behind.close()]);
  });

  it('sends a ping comment every 15 seconds', async () => {
    const d = createTestDaemon();
    const events = sseReader(await d.request('/api/v1/sync', { as: 'evaluate' }));
    await events.next();
    d.clock.advance(15_000);
    expect(await events.next()).toEqual({ comment: 'ping' });
    await events.close();
  });

  it('ends open streams when the daemon closes', async () => {
    const d = createTestDaemon();
    const events = sseReader(await d.request('/api/v1/sync', { as: 'evaluate' }));
    await events.next();
    await d.close();
    await expect(events.next()).rejects.toThrow('stream ended');
  });
});

describe('bundles on the sync stream', () => {
  const pack = (version: string, text: string, weight = 10) => ({
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: {
      version,
      prompts: { system: text },
      rollout: { steps: [{ weight }, { weight: 50 }, { weight: 100 }] },
    },
  });

  it('sends a version bundle once per version, by hash, not again at every step', async () => {
    const d = createTestDaemon();
    await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('1.0.0', 'old') });
    const events = sseReader(await d.request('/api/v1/sync', { as: 'evaluate' }));
    const first = JSON.parse((await events.next()).data ?? '');
    const flag = first.flags['support-prompts.content'];
    const oldRef = flag.variants['1.0.0'].$bundle;
    expect(Object.keys(first.bundles)).toEqual([oldRef]);
    expect(first.bundles[oldRef].prompts.system.text).toBe('old');

    const started = await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('2.0.0', 'new'),
    });
    const id = (await started.json()).rollout.id;
    const second = JSON.parse((await events.next()).data ?? '');
    const newRef = second.flags['support-prompts.content'].variants['2.0.0'].$bundle;
    // Only the new version's bundle travels: the stream already has the old one.
    expect(Object.keys(second.bundles)).toEqual([newRef]);
    expect(second.bundles[newRef].prompts.system.text).toBe('new');

    await d.request(`/api/v1/rollouts/${id}/promote`, { method: 'POST', json: {} });
    const third = JSON.parse((await events.next()).data ?? '');
    expect(third.flags['support-prompts.content'].rules[0].serve.split.arms[0]).toEqual({
      variant: '2.0.0',
      weight: 50,
    });
    // A step changes the split, not the bundles: none is sent again.
    expect(third.bundles).toBeUndefined();

    // A client connecting now, or polling, gets every bundle its flags name.
    const whole = await (await d.request('/api/v1/config', { as: 'evaluate' })).json();
    expect(Object.keys(whole.bundles).sort()).toEqual([newRef, oldRef].sort());
    await events.close();
  });
});
