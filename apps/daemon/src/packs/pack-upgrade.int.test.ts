/**
 * Packs stored before metrics stated their direction and tolerances their unit: the migration keeps what they
 * meant, writes it down, and the next apply says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { openDatabase, type SqliteDatabase } from '../db/database.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const PACK = 'support-prompts';
const T0 = Date.parse('2026-01-05T12:00:00.000Z');

const dirs: string[] = [];
const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function pack(version: string, metrics: unknown[]) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      rollout: { canaryWeight: 10, stepWeight: 10, stepInterval: '5m', analysis: { metrics } },
    },
  };
}

const today = [
  { name: 'eval_pass_rate', threshold: '90%' },
  { name: 'success_rate', maxDecrease: '2pt' },
  { name: 'tokens_per_request', maxIncrease: '50%' },
  { name: 'refunds', from: { attribute: 'app.refund', aggregate: 'mean' }, direction: 'lower', threshold: 1 },
];

type Metric = Record<string, unknown>;

/** Rewrites a stored metric as the daemon stored it before version 141 (and its inverted built-in default). */
function asBefore(metric: Metric): Metric {
  const { direction: _d, toleranceUnit: _t, ...rest } = metric;
  if (rest.name === 'eval_pass_rate') rest.comparison = '<=';
  if (rest.name === 'refunds') delete rest.comparison;
  return rest;
}

function downgrade(db: SqliteDatabase): void {
  const rewrite = (doc: { spec: { rollout: { analysis: { metrics: Metric[] } } } }) => {
    doc.spec.rollout.analysis.metrics = doc.spec.rollout.analysis.metrics.map(asBefore);
  };
  for (const row of db
    .prepare<[], { name: string; document: string }>('SELECT name, document FROM packs')
    .all()) {
    const doc = JSON.parse(row.document);
    rewrite(doc);
    db.prepare('UPDATE packs SET document = ? WHERE name = ?').run(JSON.stringify(doc), row.name);
  }
  for (const row of db.prepare<[], { id: string; record: string }>('SELECT id, record FROM rollouts').all()) {
    const record = JSON.parse(row.record);
    rewrite({ spec: { rollout: record.spec } });
    db.prepare('UPDATE rollouts SET record = ? WHERE id = ?').run(JSON.stringify(record), row.id);
  }
  db.exec('DELETE FROM schema_migrations WHERE version = 141; DROP TABLE pack_upgrade_notes;');
}

describe('the metric-words migration', () => {
  test('writes down directions and points, fixes inverted built-in limits, and warns on the next apply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canaryd-upgrade-'));
    dirs.push(dir);
    const file = join(dir, 'canary.db');
    const clock = new ManualClock(T0);
    const before = createTestDaemon({}, clock, { db: openDatabase(file) });
    daemons.push(before);
    expect(
      (await before.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('1.0.0', today) })).status,
    ).toBe(201);
    const started = await before.request(`/api/v1/packs/${PACK}`, {
      method: 'PUT',
      json: pack('2.0.0', today),
    });
    const rolloutId = (await started.json()).rollout.id;
    downgrade(before.db);
    await before.close();
    daemons.pop();

    const after = createTestDaemon({}, clock, { db: openDatabase(file) });
    daemons.push(after);
    const stored = await (await after.request(`/api/v1/packs/${PACK}`, { as: 'read' })).json();
    const metrics = stored.spec.rollout.analysis.metrics;
    expect(metrics[0]).toMatchObject({ name: 'eval_pass_rate', direction: 'higher', comparison: '>=' });
    expect(metrics[1]).toMatchObject({ name: 'success_rate', maxDecrease: 0.02, toleranceUnit: 'points' });
    expect(metrics[2]).toMatchObject({
      name: 'tokens_per_request',
      maxIncrease: 0.5,
      toleranceUnit: 'relative',
    });
    // The old rules read a name without a "bad" word as higher-is-better: kept, and said.
    expect(metrics[3]).toMatchObject({ name: 'refunds', direction: 'higher' });
    const live = await (await after.request(`/api/v1/rollouts/${rolloutId}`, { as: 'read' })).json();
    expect(live.spec.analysis.metrics[0]).toMatchObject({ direction: 'higher', comparison: '>=' });

    // Re-applied as the old YAML said it (with the direction a custom metric now needs): same version, so no
    // rollout change; the spelling `2%` now means relative, which the answer says, with the migration's notes.
    const oldWords = [
      today[0],
      { name: 'success_rate', maxDecrease: '2%' },
      { name: 'tokens_per_request', maxIncrease: 0.5 },
      today[3],
    ];
    await after.request(`/api/v1/rollouts/${rolloutId}/rollback`, { method: 'POST', json: {} });
    const res = await after.request(`/api/v1/packs/${PACK}`, {
      method: 'PUT',
      json: pack('1.0.0', oldWords),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const warnings: string[] = body.warnings;
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^eval_pass_rate: the stored limit read "<=", backwards .* now reads ">="/),
        expect.stringMatching(/^success_rate: maxDecrease meant 2 points and still does; write it 2pt/),
        expect.stringMatching(/^refunds: its direction was guessed as higher/),
        expect.stringMatching(
          /^metrics\.1 \(success_rate\): maxDecrease 2% now means 2% of stable's value; .* write 2pt/,
        ),
        expect.stringMatching(
          /^metrics\.2 \(tokens_per_request\): maxIncrease 0\.5 now means 0\.5 in the metric's own unit .* write 50% to keep that/,
        ),
      ]),
    );
    const again = await after.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('1.0.0', today) });
    expect((await again.json()).warnings).toBeUndefined();
  });
});
