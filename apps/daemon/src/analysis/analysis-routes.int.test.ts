import { afterEach, describe, expect, it } from 'vitest';
import { PACK, startRollout } from '../ingest/testing/live-rollout.js';
import { flagAttributes, otlpTraces, type TestSpan } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

function daemon(): TestDaemon {
  const d = createTestDaemon();
  daemons.push(d);
  return d;
}

const ANALYSIS = {
  interval: '1m',
  minSamples: 50,
  metrics: [
    { name: 'success_rate', threshold: '90%', comparison: '>=' },
    { name: 'latency_p99', threshold: '3000ms', comparison: '<=' },
    { name: 'tokens_per_request', maxIncrease: '50%' },
  ],
};

/** `n` spans of `variant`: durations (i+1)·step ms, the first `errors` failing, tokens 100 + i mod 7. */
function spans(
  d: TestDaemon,
  variant: string,
  n: number,
  errors: number,
  step: number,
  reason = 'SPLIT',
): TestSpan[] {
  return Array.from({ length: n }, (_, i) => ({
    endMs: d.clock.now() + 1000 + i,
    durationMs: (i + 1) * step,
    error: i < errors,
    attributes: {
      ...flagAttributes(PACK, variant, reason),
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': i % 7,
    },
  }));
}

async function post(d: TestDaemon, batch: TestSpan[]) {
  for (let i = 0; i < batch.length; i += 512) {
    const res = await d.request('/v1/traces', {
      method: 'POST',
      as: 'ingest',
      json: otlpTraces(batch.slice(i, i + 512)),
    });
    expect(res.status).toBe(200);
  }
}

describe('GET /api/v1/rollouts/{id}/analysis', () => {
  it('returns per-arm numbers equal to the hand-computed ones, and the checks', async () => {
    const d = daemon();
    const id = await startRollout(d, { analysis: ANALYSIS });
    await post(d, [...spans(d, '2.4.0', 100, 10, 10), ...spans(d, '2.3.1', 900, 45, 2)]);
    const res = await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' });
    expect(res.status).toBe(200);
    const a = await res.json();
    expect(a.window.from).toBe(new Date(d.clock.now()).toISOString());
    expect(a.arms.canary).toMatchObject({ version: '2.4.0', n: 100 });
    expect(a.arms.stable).toMatchObject({ version: '2.3.1', n: 900 });
    expect(a.arms.canary.metrics.success_rate).toBeCloseTo(0.9, 12);
    expect(a.arms.stable.metrics.success_rate).toBeCloseTo(0.95, 12);
    // Canary durations 10, 20, …, 1000 ms: p99 is 990 ms, within the sketch's 1% relative accuracy.
    expect(Math.abs(a.arms.canary.metrics.latency_p99 - 990) / 990).toBeLessThan(0.02);
    expect(a.arms.canary.metrics.latency_avg).toBeCloseTo(505, 9);
    const tokens = (n: number) =>
      Array.from({ length: n }, (_, i) => 100 + (i % 7)).reduce((x, y) => x + y) / n;
    expect(a.arms.canary.metrics.tokens_per_request).toBeCloseTo(tokens(100), 9);
    expect(a.arms.stable.metrics.tokens_per_request).toBeCloseTo(tokens(900), 9);
    const check = (metric: string, kind: string) =>
      a.checks.find((c: { metric: string; kind: string }) => c.metric === metric && c.kind === kind);
    expect(check('success_rate', 'threshold')).toMatchObject({ result: 'Pass', canary: 0.9, threshold: 0.9 });
    expect(check('latency_p99', 'threshold')).toMatchObject({ result: 'Pass' });
    expect(check('tokens_per_request', 'relative')).toMatchObject({
      result: 'Pass',
      n: { stable: 900, canary: 100 },
    });
    expect(a.srm).toMatchObject({ result: 'Pass', expectedShare: 0.1, observedShare: 0.1 });
    expect(a.comparisons).toMatchObject({ scope: 'split' });
    expect(a.lastCheck).toBeNull();
  });

  it('is Inconclusive below minSamples', async () => {
    const d = daemon();
    const id = await startRollout(d, { analysis: { ...ANALYSIS, minSamples: 500 } });
    await post(d, [...spans(d, '2.4.0', 100, 0, 10), ...spans(d, '2.3.1', 900, 0, 10)]);
    const a = await (await d.request(`/api/v1/rollouts/${id}/analysis`, { as: 'read' })).json();
    expect(a.checks.length).toBeGreaterThan(0);
    for (const c of a.checks) expect(c.result).toBe('Inconclusive');
  });

  it('flags a skewed split as a sample ratio mismatch, and compares only split traffic', async () => {
    const d = daemon();
    const id = await startRollout(d, { analysis: ANALYSIS });
    await post(d, [
      ...spans(d, '2.4.0', 300, 0, 10),
      ...spans(d, '2.3.1', 300, 0, 10),
      ...spans(d, '2.4.0', 200, 200, 10, 'TARGETING_MATCH'),
    ]);
    const a = await (await d.request(`/api/v1/rollouts/${id}/analysis?window=5m`, { as: 'read' })).json();
    expect(a.srm).toMatchObject({ result: 'Fail', expectedShare: 0.1, observedShare: 0.5, n: 600 });
    // Hard limits see all canary traffic (the failing targeted spans too); comparisons only the split.
    const threshold = a.checks.find(
      (c: { kind: string; metric: string }) => c.kind === 'threshold' && c.metric === 'success_rate',
    );
    expect(threshold).toMatchObject({ result: 'Fail', n: { canary: 500 } });
    expect(a.arms.canary.n).toBe(500);
  });

  it('answers 404 for an unknown rollout and 400 for a bad window', async () => {
    const d = daemon();
    const id = await startRollout(d);
    expect((await d.request('/api/v1/rollouts/nope/analysis', { as: 'read' })).status).toBe(404);
    const bad = await d.request(`/api/v1/rollouts/${id}/analysis?window=soon`, { as: 'read' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('invalid_query');
  });
});
