import { ArmAggregate } from '@prompt-canary/analysis';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { SqliteSliceStore } from '../ingest/sqlite-slice-store.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;

function pack(version: string, rollout: Record<string, unknown>) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: { version, rollout },
  };
}

const rollout = {
  steps: [
    { weight: 1, minDuration: '4h' },
    { weight: 50, minDuration: '4h' },
  ],
  analysis: { minSamples: 100, metrics: [{ name: 'success_rate', compare: true }] },
};

let d: TestDaemon | undefined;
afterEach(async () => {
  await d?.close();
});

/** Records `perMinute` spans a minute for the last `minutes` minutes in the slices of `rolloutId`. */
function traffic(daemon: TestDaemon, rolloutId: string, minutes: number, perMinute: number): void {
  const slices = new SqliteSliceStore(daemon.db, { now: () => daemon.clock.now() });
  const updates = [];
  for (let i = 1; i <= minutes; i++) {
    const partial = new ArmAggregate();
    partial.spans = perMinute;
    updates.push({
      key: {
        rolloutId,
        arm: 'stable' as const,
        scope: 'split' as const,
        sliceStart: daemon.clock.now() - i * MIN,
      },
      partial,
    });
  }
  slices.commit(updates);
}

describe('PUT /api/v1/packs/{name} warnings', () => {
  test('a rollout whose steps cannot reach minSamples at the recent traffic is applied with warnings', async () => {
    d = createTestDaemon({}, new ManualClock(T0), { startController: false });
    await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1', rollout) });
    const first = await (
      await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.4.0', rollout) })
    ).json();
    expect(first.warnings).toBeUndefined();
    d.clock.advance(60 * MIN);
    traffic(d, first.rollout.id, 60, 6);
    await d.request(`/api/v1/rollouts/${first.rollout.id}/rollback`, { method: 'POST' });
    const retry = await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('2.4.0', rollout),
    });
    expect(retry.status).toBe(200);
    const body = await retry.json();
    expect(body.rollout.phase).toBe('Progressing');
    expect(body.warnings).toEqual([
      'step 1 (1%) needs about 1d 3h to reach 100 samples per arm at the recent 6.0 requests/min; its minimum duration is 4h',
    ]);
  });
});
