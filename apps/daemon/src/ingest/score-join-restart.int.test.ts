/**
 * Late scores find their version through the persisted trace join: after a restart of the daemon, and after far
 * more traces than the in-memory index of recent ones holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { openDatabase } from '../db/database.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { flagAttributes, otlpTraces, traceId } from './testing/otlp-json.js';

const PACK = 'support-prompts';
const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const daemons: TestDaemon[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function pack(version: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      rollout: { canaryWeight: 50, analysis: { metrics: [{ name: 'eval_pass_rate', threshold: '90%' }] } },
    },
  };
}

test('scores posted after a restart join the traces recorded before it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canaryd-scores-'));
  dirs.push(dir);
  const file = join(dir, 'canary.db');
  const clock = new ManualClock(T0);
  const first = createTestDaemon({}, clock, { db: openDatabase(file), startController: false });
  daemons.push(first);
  await first.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('1.0.0') });
  const started = await (
    await first.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.0.0') })
  ).json();
  const traces = Array.from({ length: 20 }, () => traceId());
  const spans = traces.map((id, i) => ({
    traceId: id,
    endMs: T0 + 1000 + i,
    durationMs: 500,
    attributes: flagAttributes(PACK, i % 2 === 0 ? '2.0.0' : '1.0.0', 'SPLIT'),
  }));
  expect(
    (await first.request('/v1/traces', { method: 'POST', json: otlpTraces(spans), as: 'ingest' })).status,
  ).toBe(200);
  await first.close();
  daemons.pop();

  clock.advance(3 * 3_600_000);
  const second = createTestDaemon({}, clock, { db: openDatabase(file), startController: false });
  daemons.push(second);
  const scores = traces.map((id) => ({ traceId: id, name: 'tone', value: 1 }));
  const res = await second.request('/api/v1/scores', { method: 'POST', json: { scores }, as: 'ingest' });
  expect(await res.json()).toMatchObject({ accepted: 20 });
  const analysis = await (
    await second.request(`/api/v1/rollouts/${started.rollout.id}/analysis?window=rollout`, { as: 'read' })
  ).json();
  expect(analysis.arms.canary.metrics.eval_pass_rate).toBe(1);
  expect(analysis.arms.stable.metrics.eval_pass_rate).toBe(1);
});
