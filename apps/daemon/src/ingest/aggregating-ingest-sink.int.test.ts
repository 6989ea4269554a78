import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { openDatabase } from '../db/database.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { analysisCount, PACK, startRollout } from './testing/live-rollout.js';
import { flagAttributes, keyValues, otlpTraces, type TestSpan, traceId } from './testing/otlp-json.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

function daemon(...args: Parameters<typeof createTestDaemon>): TestDaemon {
  const d = createTestDaemon(...args);
  daemons.push(d);
  return d;
}

async function postSpans(d: TestDaemon, spans: readonly TestSpan[]) {
  const res = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: otlpTraces(spans) });
  expect(res.status).toBe(200);
}

async function analysis(d: TestDaemon, id: string, window = 'rollout') {
  const res = await d.request(`/api/v1/rollouts/${id}/analysis?window=${window}`, { as: 'read' });
  expect(res.status).toBe(200);
  return res.json();
}

function spansOf(d: TestDaemon, variant: string, n: number, extra: Partial<TestSpan> = {}): TestSpan[] {
  return Array.from({ length: n }, (_, i) => ({
    endMs: d.clock.now() + 1000 + i,
    durationMs: 100,
    attributes: flagAttributes(PACK, variant, 'SPLIT'),
    ...extra,
  }));
}

describe('the analyzer ingest sink', () => {
  it('credits canary and stable spans to their arms', async () => {
    const d = daemon();
    const id = await startRollout(d);
    await postSpans(d, [...spansOf(d, '2.4.0', 3), ...spansOf(d, '2.3.1', 5)]);
    const a = await analysis(d, id);
    expect(a.arms.canary).toMatchObject({ version: '2.4.0', n: 3 });
    expect(a.arms.stable).toMatchObject({ version: '2.3.1', n: 5 });
    expect(await analysisCount(d, 'span', 'accepted')).toBe(8);
  });

  it('reads the assignment from feature_flag.evaluation events as well as attributes', async () => {
    const d = daemon();
    const id = await startRollout(d);
    await postSpans(d, [
      { endMs: d.clock.now() + 10, durationMs: 50, flagEvents: [flagAttributes(PACK, '2.4.0')] },
    ]);
    expect((await analysis(d, id)).arms.canary.n).toBe(1);
  });

  it('ignores and counts spans of an unknown variant or of a flag without a live rollout', async () => {
    const d = daemon();
    const id = await startRollout(d);
    await postSpans(d, [
      ...spansOf(d, '9.9.9', 2),
      { endMs: d.clock.now() + 5, durationMs: 5, attributes: flagAttributes('other-flag', 'on') },
      { endMs: d.clock.now() + 5, durationMs: 5, attributes: { 'http.route': '/x' } },
    ]);
    const a = await analysis(d, id);
    expect(a.arms.canary.n + a.arms.stable.n).toBe(0);
    expect(await analysisCount(d, 'span', 'unknown_variant')).toBe(2);
    expect(await analysisCount(d, 'span', 'no_rollout')).toBe(1);
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toContain('canaryd_otlp_items_total{signal="spans",outcome="ignored"} 1');
  });

  it('counts a request once: inherited child spans add their tokens, not requests', async () => {
    const d = daemon();
    const id = await startRollout(d);
    const trace = traceId();
    const parent = '1111111111111111';
    const now = d.clock.now();
    const inherited = { ...flagAttributes(PACK, '2.4.0', 'SPLIT'), 'feature_flag.inherited': true };
    await postSpans(d, [
      {
        traceId: trace,
        spanId: parent,
        endMs: now + 900,
        durationMs: 800,
        attributes: flagAttributes(PACK, '2.4.0', 'SPLIT'),
      },
      {
        traceId: trace,
        parentSpanId: parent,
        endMs: now + 500,
        durationMs: 300,
        attributes: { ...inherited, 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20 },
      },
      {
        traceId: trace,
        parentSpanId: parent,
        endMs: now + 800,
        durationMs: 200,
        attributes: { ...inherited, 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 30 },
      },
    ]);
    const a = await analysis(d, id);
    expect(a.arms.canary.n).toBe(1);
    expect(a.arms.canary.metrics.tokens_per_request).toBe(200);
    expect(a.arms.canary.metrics.output_tokens_per_request).toBe(50);
    expect(a.arms.canary.metrics.latency_avg).toBeCloseTo(800, 6);
  });

  it("sums a trace's usage per arm when one trace was served both versions", async () => {
    const d = daemon();
    const id = await startRollout(d);
    const trace = traceId();
    const now = d.clock.now();
    const usage = (input: number, output: number) => ({
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
    });
    await postSpans(d, [
      {
        traceId: trace,
        endMs: now + 100,
        durationMs: 50,
        attributes: { ...flagAttributes(PACK, '2.4.0', 'SPLIT'), ...usage(60, 40) },
      },
      {
        traceId: trace,
        endMs: now + 200,
        durationMs: 50,
        attributes: { ...flagAttributes(PACK, '2.3.1', 'SPLIT'), ...usage(30, 10) },
      },
      {
        traceId: trace,
        endMs: now + 300,
        durationMs: 50,
        attributes: { ...flagAttributes(PACK, '2.4.0', 'SPLIT'), ...usage(5, 5) },
      },
    ]);
    const a = await analysis(d, id);
    expect([a.arms.canary.n, a.arms.stable.n]).toEqual([2, 1]);
    // One usage sample per arm of the trace: canary 60 + 40 + 5 + 5 over its one sample, stable 30 + 10.
    expect(a.arms.canary.metrics.tokens_per_request).toBe(110);
    expect(a.arms.stable.metrics.tokens_per_request).toBe(40);
  });

  it('keeps every acknowledged span across a restart on the same database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-analysis-'));
    try {
      const file = join(dir, 'canary.db');
      const clock = new ManualClock();
      const db1 = openDatabase(file);
      const d1 = createTestDaemon({}, clock, { db: db1 });
      const id = await startRollout(d1);
      await postSpans(d1, spansOf(d1, '2.4.0', 7));
      await postSpans(d1, spansOf(d1, '2.3.1', 11, { error: true }));
      await postSpans(d1, spansOf(d1, '2.4.0', 2));
      await d1.close();
      db1.close();

      const db2 = openDatabase(file);
      const d2 = daemon({}, clock, { db: db2 });
      const a = await analysis(d2, id);
      expect(a.arms.canary.n).toBe(9);
      expect(a.arms.stable.n).toBe(11);
      expect(a.arms.stable.metrics.error_rate).toBe(1);
      // Ingest continues into the same slices after the restart.
      await postSpans(d2, spansOf(d2, '2.4.0', 1));
      expect((await analysis(d2, id)).arms.canary.n).toBe(10);
      await d2.close();
      daemons.splice(daemons.indexOf(d2), 1);
      db2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads span-metrics points for a rollout that has no spans, and then ignores its spans', async () => {
    const d = daemon();
    const id = await startRollout(d);
    const t = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
    const now = d.clock.now();
    const dims = (variant: string, status = 'STATUS_CODE_UNSET') =>
      keyValues({ ...flagAttributes(PACK, variant), 'status.code': status });
    const body = {
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
                        attributes: dims('2.4.0'),
                        startTimeUnixNano: t(now),
                        timeUnixNano: t(now + 1000),
                        asInt: '40',
                      },
                      {
                        attributes: dims('2.4.0', 'STATUS_CODE_ERROR'),
                        startTimeUnixNano: t(now),
                        timeUnixNano: t(now + 1000),
                        asInt: '10',
                      },
                      {
                        attributes: dims('2.3.1'),
                        startTimeUnixNano: t(now),
                        timeUnixNano: t(now + 1000),
                        asInt: '300',
                      },
                    ],
                  },
                },
                {
                  name: 'traces.span.metrics.duration',
                  unit: 'ms',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        attributes: dims('2.4.0'),
                        startTimeUnixNano: t(now),
                        timeUnixNano: t(now + 1000),
                        count: '40',
                        sum: 8000,
                        explicitBounds: [100, 300],
                        bucketCounts: ['0', '40', '0'],
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
    const res = await d.request('/v1/metrics', { method: 'POST', as: 'ingest', json: body });
    expect(res.status).toBe(200);
    await postSpans(d, spansOf(d, '2.4.0', 5));
    const a = await analysis(d, id);
    expect(a.arms.canary.n).toBe(50);
    expect(a.arms.canary.metrics.success_rate).toBeCloseTo(0.8, 10);
    expect(a.arms.canary.metrics.latency_p50).toBeGreaterThan(190);
    expect(a.arms.canary.metrics.latency_p50).toBeLessThan(210);
    expect(a.arms.stable.n).toBe(300);
    expect(await analysisCount(d, 'point', 'accepted')).toBe(4);
    expect(await analysisCount(d, 'span', 'other_source')).toBe(5);
  });
});
