import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArmAggregate } from '@prompt-canary/analysis';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { openDatabase } from '../db/database.js';
import { BASELINE_PRUNE_INTERVAL_MS } from '../limits/retention-job.js';
import { createTestDaemon, type TestDaemon, type TestResponse } from '../testing/test-daemon.js';
import { BASELINE_HOLD_MS, baselineRolloutId } from './pack-baseline.js';
import { analysisCount, PACK, pack } from './testing/live-rollout.js';
import { flagAttributes, keyValues, otlpTraces, type TestSpan, traceId } from './testing/otlp-json.js';

const BASELINE = baselineRolloutId(PACK);
const MINUTE = 60_000;
/**
 * The pack's rollout block: a custom metric read from a span attribute (which ingest must keep) and one read from
 * late scores (so the baseline's traces go to the trace join).
 */
const ROLLOUT = {
  analysis: {
    metrics: [
      { name: 'success_rate', threshold: '90%', comparison: '>=' },
      {
        name: 'refunds',
        from: { attribute: 'app.refund', aggregate: 'mean' },
        direction: 'lower',
        threshold: 1,
      },
      { name: 'tone_ok', from: { score: 'tone', pass: '>= 0.7' }, direction: 'higher', threshold: '50%' },
    ],
  },
};

const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

function daemon(...args: Parameters<typeof createTestDaemon>): TestDaemon {
  const d = createTestDaemon(...args);
  daemons.push(d);
  return d;
}

async function apply(
  d: TestDaemon,
  version: string,
  rollout: Record<string, unknown> = ROLLOUT,
): Promise<TestResponse> {
  const res = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack(version, rollout) });
  expect(res.status).toBeLessThan(300);
  return res;
}

async function postSpans(d: TestDaemon, spans: readonly TestSpan[]): Promise<void> {
  const res = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: otlpTraces(spans) });
  expect(res.status).toBe(200);
}

function spansOf(d: TestDaemon, variant: string, n: number, extra: Partial<TestSpan> = {}): TestSpan[] {
  return Array.from({ length: n }, (_, i) => ({
    endMs: d.clock.now() + 1000 + i,
    durationMs: 100,
    attributes: { ...flagAttributes(PACK, variant, 'SPLIT'), 'feature_flag.context.id': `u${i}` },
    ...extra,
  }));
}

/** The baseline's slices merged, per arm and scope, with their starts. */
function baseline(d: TestDaemon) {
  const slices = d.ctx.store.slices.read({ rolloutId: BASELINE, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER });
  const merged = (filter: (s: (typeof slices)[number]) => boolean) =>
    ArmAggregate.mergeAll(slices.filter(filter).map((s) => s.aggregate));
  return {
    slices,
    starts: [...new Set(slices.map((s) => s.key.sliceStart))],
    arms: [...new Set(slices.map((s) => s.key.arm))],
    all: merged(() => true),
    split: merged((s) => s.key.scope === 'split'),
    targeting: merged((s) => s.key.scope === 'targeting'),
  };
}

describe("a pack at rest: its stable version's rolling baseline", () => {
  it("counts a downstream service's spans of the stable version under the baseline, as baseline items", async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1');
    const downstream = (variant: string, error: boolean): TestSpan => ({
      endMs: d.clock.now() + 1000,
      durationMs: 40,
      error,
      attributes: { ...flagAttributes(PACK, variant), 'promptcanary.downstream': true },
    });
    const res = await d.request('/v1/traces', {
      method: 'POST',
      as: 'ingest',
      json: otlpTraces(
        [downstream('2.3.1', false), downstream('2.3.1', true), downstream('2.4.0', true)],
        'billing-parser',
      ),
    });
    expect(res.status).toBe(200);
    const parser = baseline(d).all.downstream.get('billing-parser');
    expect(parser).toMatchObject({ requests: 2, errors: 1 });
    expect(baseline(d).all.spans).toBe(0);
    expect(await analysisCount(d, 'span', 'baseline')).toBe(2);
    expect(await analysisCount(d, 'span', 'accepted')).toBe(0);
    expect(await analysisCount(d, 'span', 'no_rollout')).toBe(1);
  });

  it("keeps the stable version's spans under baseline:<pack>, as a rollout's stable arm would, and drops the others", async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1');
    const trace = traceId();
    const now = d.clock.now();
    await postSpans(d, [
      ...spansOf(d, '2.3.1', 4, { error: false }),
      ...spansOf(d, '2.3.1', 2).map((s) => ({
        ...s,
        attributes: { ...s.attributes, 'feature_flag.result.reason': 'TARGETING_MATCH' },
      })),
      // One request whose LLM child span (the assignment copied, inherited) reports the tokens and the refund.
      {
        traceId: trace,
        endMs: now + 500,
        durationMs: 300,
        attributes: flagAttributes(PACK, '2.3.1', 'SPLIT'),
      },
      {
        traceId: trace,
        endMs: now + 400,
        durationMs: 200,
        attributes: {
          ...flagAttributes(PACK, '2.3.1', 'SPLIT'),
          'feature_flag.inherited': true,
          'gen_ai.usage.input_tokens': 100,
          'gen_ai.usage.output_tokens': 20,
          'app.refund': 3,
        },
      },
      // The companion key counts for the pack, as for a live rollout.
      { endMs: now + 10, durationMs: 10, attributes: flagAttributes(`${PACK}.content`, '2.3.1') },
      // Not the stable version: dropped as before.
      ...spansOf(d, '2.4.0', 3),
      { endMs: now + 5, durationMs: 5, attributes: flagAttributes('other-flag', 'on') },
    ]);
    const b = baseline(d);
    expect(b.arms).toEqual(['stable']);
    expect(b.all.spans).toBe(8);
    expect(b.targeting.spans).toBe(2);
    expect(b.split.tokens).toMatchObject({ n: 1, sum: 120 });
    expect(b.split.attributes.get('app.refund')?.moments).toMatchObject({ n: 1, sum: 3 });
    expect(await analysisCount(d, 'span', 'baseline')).toBe(9);
    expect(await analysisCount(d, 'span', 'accepted')).toBe(0);
    expect(await analysisCount(d, 'span', 'no_rollout')).toBe(4);
    // No sample-ratio exposures for a baseline (it has no split to check).
    expect(d.ctx.store.slices.exposures(BASELINE).size).toBe(0);
  });

  it('takes span-metric points, tracking events and late scores of the stable version too', async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1');
    const now = d.clock.now();
    const at = new Date(now + 1000).toISOString();
    const trace = traceId();
    await postSpans(d, [
      { traceId: trace, endMs: now + 1000, durationMs: 50, attributes: flagAttributes(PACK, '2.3.1') },
    ]);
    const tracked = await d.request('/api/v1/track', {
      method: 'POST',
      as: 'ingest',
      json: {
        events: [
          { name: 'thumbs_up', flagKey: PACK, variant: '2.3.1', targetingKey: 'a', timestamp: at },
          { name: 'thumbs_up', flagKey: PACK, targetingKey: 'b', timestamp: at },
          { name: 'thumbs_up', flagKey: PACK, variant: '2.4.0', targetingKey: 'c', timestamp: at },
        ],
      },
    });
    expect(await tracked.json()).toEqual({ accepted: 2, dropped: { no_rollout: 1 } });
    const scored = await d.request('/api/v1/scores', {
      method: 'POST',
      as: 'ingest',
      json: { scores: [{ traceId: trace, name: 'tone', value: 1 }] },
    });
    expect(await scored.json()).toMatchObject({ accepted: 1 });
    const b = baseline(d);
    expect(b.all.feedback.get('thumbs_up')?.n).toBe(2);
    expect(b.all.scores.get('tone')?.passed).toBe(1);
    expect(await analysisCount(d, 'track', 'baseline')).toBe(2);
    expect(await analysisCount(d, 'score', 'baseline')).toBe(1);
    expect(await analysisCount(d, 'track', 'accepted')).toBe(0);

    const t = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
    const point = (variant: string, n: number) => ({
      attributes: keyValues({ ...flagAttributes(PACK, variant), 'status.code': 'STATUS_CODE_UNSET' }),
      startTimeUnixNano: t(now),
      timeUnixNano: t(now + 1000),
      asInt: String(n),
    });
    const metrics = {
      resourceMetrics: [
        {
          resource: { attributes: keyValues({ 'service.name': 'collector' }) },
          scopeMetrics: [
            {
              scope: { name: 'spanmetricsconnector' },
              metrics: [
                {
                  name: 'traces.span.metrics.calls',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: [point('2.3.1', 40), point('2.4.0', 9)],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    expect((await d.request('/v1/metrics', { method: 'POST', as: 'ingest', json: metrics })).status).toBe(
      200,
    );
    // The baseline reads spans already (the first source wins, as for a rollout): its points are another source.
    expect(await analysisCount(d, 'point', 'other_source')).toBe(1);
    expect(await analysisCount(d, 'point', 'no_rollout')).toBe(1);
  });

  it('records no trace join for a pack whose analysis reads no score (the costliest step of a span)', async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1', {});
    const trace = traceId();
    const span = (id: string) => ({
      traceId: id,
      endMs: d.clock.now() + 10,
      durationMs: 5,
      attributes: flagAttributes(PACK, '2.3.1'),
    });
    await postSpans(d, [span(trace)]);
    expect(baseline(d).all.spans).toBe(1);
    expect(d.ctx.store.traces.get(trace)).toBeUndefined();
    // The same version, its analysis now reading scores: its traces are joined.
    await apply(d, '2.3.1');
    const joined = traceId();
    await postSpans(d, [span(joined)]);
    expect(d.ctx.store.traces.get(joined)).toMatchObject({
      rolloutId: BASELINE,
      arm: 'stable',
      variant: '2.3.1',
    });
    expect(baseline(d).all.spans).toBe(2);
  });

  it('reads span-metric points when they come first', async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1');
    const now = d.clock.now();
    const t = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
    const metrics = {
      resourceMetrics: [
        {
          resource: { attributes: keyValues({ 'service.name': 'collector' }) },
          scopeMetrics: [
            {
              scope: { name: 'spanmetricsconnector' },
              metrics: [
                {
                  name: 'traces.span.metrics.calls',
                  sum: {
                    aggregationTemporality: 1,
                    isMonotonic: true,
                    dataPoints: [
                      {
                        attributes: keyValues({
                          ...flagAttributes(PACK, '2.3.1'),
                          'status.code': 'STATUS_CODE_UNSET',
                        }),
                        startTimeUnixNano: t(now),
                        timeUnixNano: t(now + 1000),
                        asInt: '40',
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    expect((await d.request('/v1/metrics', { method: 'POST', as: 'ingest', json: metrics })).status).toBe(
      200,
    );
    expect(baseline(d).all.spans).toBe(40);
    expect(await analysisCount(d, 'point', 'baseline')).toBe(1);
    expect(d.ctx.store.slices.source(BASELINE)).toBe('metrics');
  });

  it("credits a live rollout's spans to the rollout, and leaves the baseline as it was before the rollout", async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1');
    await postSpans(d, spansOf(d, '2.3.1', 2));
    const id = (await (await apply(d, '2.4.0')).json()).rollout.id as string;
    await postSpans(d, [...spansOf(d, '2.3.1', 3), ...spansOf(d, '2.4.0', 1)]);
    const a = await (
      await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })
    ).json();
    expect(a.arms.stable.n).toBe(3);
    expect(a.arms.canary.n).toBe(1);
    expect(baseline(d).all.spans).toBe(2);
    expect(await analysisCount(d, 'span', 'accepted')).toBe(4);
    expect(await analysisCount(d, 'span', 'baseline')).toBe(2);
    // Rolled back: the pack is at rest on the same stable version, and its baseline goes on from where it was.
    const rolledBack = await d.request(`/api/v1/rollouts/${id}/rollback`, {
      method: 'POST',
      as: 'operate',
      json: {},
    });
    expect(rolledBack.status).toBe(200);
    await postSpans(d, spansOf(d, '2.3.1', 5));
    expect(baseline(d).all.spans).toBe(7);
  });

  it('holds the hour before its newest slice, even once the version gets no more traffic', async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1');
    await postSpans(d, spansOf(d, '2.3.1', 1));
    const first = baseline(d).starts;
    d.clock.advance(30 * MINUTE);
    await postSpans(d, spansOf(d, '2.3.1', 1));
    d.clock.advance(40 * MINUTE);
    await postSpans(d, spansOf(d, '2.3.1', 1));
    const kept = baseline(d).starts.slice(1);
    expect(baseline(d).starts).toHaveLength(3);
    d.clock.advance(BASELINE_PRUNE_INTERVAL_MS);
    const after = baseline(d);
    expect(after.starts).toEqual(kept);
    expect(after.starts).not.toContain(first[0]);
    expect(Math.max(...after.starts) - Math.min(...after.starts)).toBeLessThan(BASELINE_HOLD_MS);
    // No traffic for hours (the version was switched away from): measured from the newest slice, nothing goes.
    d.clock.advance(5 * BASELINE_HOLD_MS);
    expect(baseline(d).starts).toEqual(kept);
  });

  it('starts a new baseline when the stable version changes, and deletes it with the pack', async () => {
    const d = daemon({}, undefined, { startController: false });
    await apply(d, '2.3.1');
    const old = traceId();
    await postSpans(d, [
      ...spansOf(d, '2.3.1', 3),
      { traceId: old, endMs: d.clock.now() + 1, durationMs: 1, attributes: flagAttributes(PACK, '2.3.1') },
    ]);
    expect(baseline(d).all.spans).toBe(4);
    const id = (await (await apply(d, '2.4.0')).json()).rollout.id as string;
    const done = await d.request(`/api/v1/rollouts/${id}/promote`, {
      method: 'POST',
      as: 'operate',
      json: { full: true },
    });
    expect(await done.json()).toMatchObject({ phase: 'Completed' });
    // 2.4.0 is stable: 2.3.1's figures are gone, its late scores have nowhere to go, its spans are dropped.
    expect(baseline(d).slices).toEqual([]);
    await postSpans(d, [...spansOf(d, '2.4.0', 2), ...spansOf(d, '2.3.1', 1)]);
    const b = baseline(d);
    expect(b.all.spans).toBe(2);
    expect(d.ctx.store.slices.read({ rolloutId: BASELINE, fromMs: 0, toMs: 1e15 }).length).toBeGreaterThan(0);
    const scored = await d.request('/api/v1/scores', {
      method: 'POST',
      as: 'ingest',
      json: { scores: [{ traceId: old, name: 'tone', value: 1 }] },
    });
    expect(await scored.json()).toEqual({ accepted: 0, dropped: { no_rollout: 1 } });
    expect((await d.request(`/api/v1/packs/${PACK}`, { method: 'DELETE' })).status).toBe(204);
    expect(baseline(d).slices).toEqual([]);
    await postSpans(d, spansOf(d, '2.4.0', 1));
    expect(baseline(d).slices).toEqual([]);
  });

  it('keeps the baseline across a restart on the same database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-baseline-'));
    try {
      const file = join(dir, 'canary.db');
      const clock = new ManualClock();
      const db1 = openDatabase(file);
      const d1 = createTestDaemon({}, clock, { db: db1, startController: false });
      await apply(d1, '2.3.1');
      await postSpans(d1, spansOf(d1, '2.3.1', 6));
      await d1.close();
      db1.close();

      const db2 = openDatabase(file);
      const d2 = daemon({}, clock, { db: db2, startController: false });
      expect(baseline(d2).all.spans).toBe(6);
      await postSpans(d2, spansOf(d2, '2.3.1', 1));
      expect(baseline(d2).all.spans).toBe(7);
      await d2.close();
      daemons.splice(daemons.indexOf(d2), 1);
      db2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
