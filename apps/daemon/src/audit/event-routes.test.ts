import { describe, expect, it } from 'vitest';
import { commitChange } from '../changes/commit-change.js';
import { sseReader } from '../testing/sse-reader.js';
import { createTestDaemon } from '../testing/test-daemon.js';

describe('GET /api/v1/events', () => {
  it('streams audit entries and rollout transitions as they commit, and replays after Last-Event-ID', async () => {
    const d = createTestDaemon();
    const events = sseReader(await d.request('/api/v1/events', { as: 'read' }));
    await d.request('/api/v1/segments/internal', { method: 'PUT', json: { match: { plan: 'internal' } } });
    const audit = await events.next();
    expect(audit.event).toBe('audit');
    expect(JSON.parse(audit.data ?? '')).toMatchObject({ action: 'segment.put', actor: 'test-admin' });
    commitChange(
      d.ctx,
      {
        actor: 'controller',
        action: 'rollout.rollback',
        target: 'rollout:r1',
        pack: 'support-prompts',
        reason: 'latency_p99 3412 > 3000',
        after: { phase: 'RolledBack', weight: 0 },
        configChanged: false,
      },
      () => undefined,
    );
    const rollout = await events.next();
    expect(rollout.event).toBe('rollout');
    expect(JSON.parse(rollout.data ?? '')).toMatchObject({
      id: 'r1',
      pack: 'support-prompts',
      action: 'rollback',
      phase: 'RolledBack',
      weight: 0,
      actor: 'controller',
    });
    expect((await events.next()).event).toBe('audit');
    await events.close();

    const resumed = sseReader(
      await d.request('/api/v1/events', { as: 'read', headers: { 'last-event-id': audit.id ?? '' } }),
    );
    expect((await resumed.next()).event).toBe('rollout');
    await resumed.close();
  });
});
