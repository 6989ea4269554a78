import { describe, expect, it } from 'vitest';
import { PACK, pack, startRollout } from '../ingest/testing/live-rollout.js';
import { flagAttributes, otlpTraces } from '../ingest/testing/otlp-json.js';
import { parseLimitSettings } from '../settings/limit-settings.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { pruneHistory } from './retention-job.js';

const DAY = 86_400_000;

function slicesOf(d: TestDaemon, rolloutId: string): number {
  const row = d.db
    .prepare('SELECT count(*) AS n FROM aggregate_slices WHERE rollout_id = ?')
    .get(rolloutId) as { n: number };
  return row.n;
}

async function ingest(d: TestDaemon, version: string): Promise<void> {
  const body = otlpTraces([
    { endMs: d.clock.now(), durationMs: 500, attributes: flagAttributes(PACK, version) },
  ]);
  expect((await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: body })).status).toBe(200);
}

describe('retention', () => {
  it('reads its settings from the environment', () => {
    expect(
      parseLimitSettings({ CANARYD_RETENTION_AUDIT_DAYS: '90', CANARYD_RETENTION_AGGREGATES_DAYS: '30' }),
    ).toEqual({
      retentionAuditDays: 90,
      retentionAggregatesDays: 30,
    });
    expect(() => parseLimitSettings({ CANARYD_RETENTION_AUDIT_DAYS: '-3' })).toThrow(
      'CANARYD_RETENTION_AUDIT_DAYS',
    );
  });

  it('keeps everything by default', async () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    await d.request('/api/v1/flags/old', {
      method: 'PUT',
      json: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
    });
    d.clock.advance(400 * DAY);
    expect((await (await d.request('/api/v1/audit', { as: 'read' })).json()).items).toHaveLength(1);
  });

  it('prunes audit entries past their days on the hourly job, driven by the clock', async () => {
    const d = createTestDaemon({ retentionAuditDays: 7 }, undefined, { startController: false });
    await d.request('/api/v1/flags/old', {
      method: 'PUT',
      json: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
    });
    d.clock.advance(6 * DAY);
    await d.request('/api/v1/flags/new', {
      method: 'PUT',
      json: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
    });
    d.clock.advance(DAY + 3_600_000);
    const items = (await (await d.request('/api/v1/audit', { as: 'read' })).json()).items as Array<{
      target: string;
    }>;
    expect(items.map((i) => i.target)).toEqual(['flag:new']);
    // The config and its revision history are untouched.
    const config = await (await d.request('/api/v1/config', { as: 'evaluate' })).json();
    expect(config).toMatchObject({ revision: 2 });
    expect(Object.keys(config.flags).sort()).toEqual(['new', 'old']);
  });

  it('prunes aggregates of finished rollouts only: a live rollout keeps all its data', async () => {
    const d = createTestDaemon({ retentionAggregatesDays: 30 }, undefined, { startController: false });
    const finished = await startRollout(d, { stepInterval: '400d' });
    await ingest(d, '2.4.0');
    expect(
      (await d.request(`/api/v1/rollouts/${finished}/rollback`, { method: 'POST', as: 'operate', json: {} }))
        .status,
    ).toBe(200);
    await d.request(`/api/v1/packs/${PACK}`, {
      method: 'PUT',
      json: pack('2.3.1', { stepInterval: '400d' }),
    });
    const live = (
      await (
        await d.request(`/api/v1/packs/${PACK}`, {
          method: 'PUT',
          json: pack('2.5.0', { stepInterval: '400d' }),
        })
      ).json()
    ).rollout?.id as string;
    await ingest(d, '2.5.0');
    expect(slicesOf(d, finished)).toBeGreaterThan(0);
    expect(slicesOf(d, live)).toBeGreaterThan(0);
    d.clock.advance(31 * DAY);
    expect(slicesOf(d, finished)).toBe(0);
    expect(slicesOf(d, live)).toBeGreaterThan(0);
  });

  it('reports what one pass removed', () => {
    const d = createTestDaemon({}, undefined, { startController: false });
    expect(pruneHistory(d.ctx.store, { aggregatesDays: 1, auditDays: 1 }, d.clock.now())).toEqual({
      aggregates: 0,
      audit: 0,
    });
  });
});
