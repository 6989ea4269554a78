/**
 * Ingest of spans from a downstream service (the assignment came by baggage, `promptcanary.downstream: true`): they
 * count under the resource's `service.name`, never as the app's requests, and take the unit of their trace's app
 * span when the trace join already holds it.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { analysisCount, PACK, startRollout } from './testing/live-rollout.js';
import { flagAttributes, keyValues, otlpTraces, type TestSpan, traceId } from './testing/otlp-json.js';

const SVC = 'billing-parser';
const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

async function post(d: TestDaemon, spans: readonly TestSpan[], service: string) {
  const res = await d.request('/v1/traces', {
    method: 'POST',
    as: 'ingest',
    json: otlpTraces(spans, service),
  });
  expect(res.status).toBe(200);
}

/** The rollout's stored slices merged per arm (split scope). */
function stored(d: TestDaemon, id: string, arm: 'stable' | 'canary') {
  const slices = d.ctx.store.slices.read({ rolloutId: id, fromMs: 0, toMs: Number.POSITIVE_INFINITY });
  const mine = slices.filter((s) => s.key.arm === arm && s.key.scope === 'split');
  return mine.map((s) => s.aggregate);
}

describe('downstream spans at ingest', () => {
  it("count once per request under their service, as the provider's processor stamps them, and not as the app's", async () => {
    const d = createTestDaemon();
    daemons.push(d);
    const id = await startRollout(d);
    const now = d.clock.now();
    const pair = { ...flagAttributes(PACK, '2.4.0'), 'promptcanary.downstream': true };
    const spans: TestSpan[] = [];
    for (let i = 0; i < 4; i++) {
      const trace = traceId();
      const server = randomBytes(8).toString('hex');
      spans.push({
        traceId: trace,
        spanId: server,
        endMs: now + 100 + i,
        durationMs: 40,
        error: i === 0,
        attributes: pair,
        flagEvents: [pair],
      });
      spans.push({
        traceId: trace,
        parentSpanId: server,
        endMs: now + 90 + i,
        durationMs: 10,
        error: true,
        attributes: { ...pair, 'feature_flag.inherited': true },
        flagEvents: [{ ...pair, 'feature_flag.inherited': true }],
      });
    }
    await post(d, spans, SVC);
    const [agg] = stored(d, id, 'canary');
    expect(agg?.spans).toBe(0);
    expect(agg?.downstream.get(SVC)).toMatchObject({ requests: 4, errors: 1 });
    expect(await analysisCount(d, 'span', 'accepted')).toBe(8);
    const analysis = await (
      await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })
    ).json();
    expect(analysis.arms.canary.n).toBe(0);
    expect(analysis.arms.canary.metrics[`downstream_error_rate:${SVC}`]).toBe(0.25);
    // Shown although no entry gates it, with its unit and direction.
    expect(analysis.metricInfo[`downstream_latency_p99:${SVC}`]).toEqual({ unit: 'ms', direction: 'lower' });
  });

  it("read the marker per evaluation event: the service's own evaluation beside a downstream one is its request", async () => {
    const d = createTestDaemon();
    daemons.push(d);
    const id = await startRollout(d);
    const downstream = { ...flagAttributes(PACK, '2.4.0'), 'promptcanary.downstream': true };
    await post(
      d,
      [
        {
          endMs: d.clock.now() + 100,
          durationMs: 40,
          attributes: downstream,
          flagEvents: [flagAttributes(PACK, '2.3.1', 'SPLIT'), downstream],
        },
      ],
      'router',
    );
    expect(stored(d, id, 'stable')[0]?.spans).toBe(1);
    expect(stored(d, id, 'stable')[0]?.downstream.size).toBe(0);
    expect(stored(d, id, 'canary')[0]?.downstream.get('router')?.requests).toBe(1);
  });

  it("take the unit of their trace's app span when it came first, and none otherwise", async () => {
    const d = createTestDaemon();
    daemons.push(d);
    const id = await startRollout(d);
    const now = d.clock.now();
    const joined = traceId();
    const app = { ...flagAttributes(PACK, '2.4.0', 'SPLIT'), 'feature_flag.context.id': 'unit-1' };
    await post(d, [{ traceId: joined, endMs: now + 200, durationMs: 300, attributes: app }], 'support-agent');
    const pair = { ...flagAttributes(PACK, '2.4.0'), 'promptcanary.downstream': true };
    await post(
      d,
      [
        { traceId: joined, endMs: now + 150, durationMs: 50, attributes: pair },
        { traceId: traceId(), endMs: now + 150, durationMs: 50, attributes: pair },
      ],
      SVC,
    );
    const aggs = stored(d, id, 'canary');
    const requests = aggs.reduce((n, a) => n + (a.downstream.get(SVC)?.requests ?? 0), 0);
    const withUnit = aggs.reduce((n, a) => n + (a.downstream.get(SVC)?.unitRequests ?? 0), 0);
    expect([requests, withUnit]).toEqual([2, 1]);
    expect(aggs.reduce((n, a) => n + a.spans, 0)).toBe(1);
  });

  it('ignore span-metric points of a downstream service', async () => {
    const d = createTestDaemon();
    daemons.push(d);
    const id = await startRollout(d);
    const t = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
    const now = d.clock.now();
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: keyValues({ 'service.name': SVC }) },
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
                          ...flagAttributes(PACK, '2.4.0'),
                          'promptcanary.downstream': true,
                          'status.code': 'STATUS_CODE_ERROR',
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
    const res = await d.request('/v1/metrics', { method: 'POST', as: 'ingest', json: body });
    expect(res.status).toBe(200);
    expect(stored(d, id, 'canary')).toEqual([]);
    expect(await analysisCount(d, 'point', 'unused')).toBe(1);
  });
});
