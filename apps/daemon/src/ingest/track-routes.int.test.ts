import { afterEach, describe, expect, it } from 'vitest';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { PACK, startRollout } from './testing/live-rollout.js';
import { flagAttributes, otlpTraces, traceId } from './testing/otlp-json.js';

const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
});

function daemon(): TestDaemon {
  const d = createTestDaemon();
  daemons.push(d);
  return d;
}

async function analysis(d: TestDaemon, id: string) {
  return (await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })).json();
}

/** Every feedback count stored for rollout `id`, as `arm/scope/name` → count. */
function feedbackByScope(d: TestDaemon, id: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const slices = d.ctx.store.slices.read({
    rolloutId: id,
    fromMs: 0,
    toMs: Number.MAX_SAFE_INTEGER,
  });
  for (const { key, aggregate } of slices) {
    for (const [name, moments] of Object.entries(aggregate.serialize().feedback)) {
      const at = `${key.arm}/${key.scope}/${name}`;
      counts[at] = (counts[at] ?? 0) + moments.n;
    }
  }
  return counts;
}

/** A targeting key the current flag serves `variant`. */
function unitServed(d: TestDaemon, variant: string): string {
  for (let i = 0; i < 10_000; i++) {
    const key = `user-${i}`;
    const details = d.ctx.config.current().evaluator.evaluate(PACK, { targetingKey: key }, d.clock.now());
    if (details.variant === variant) return key;
  }
  throw new Error(`no unit gets ${variant}`);
}

describe('POST /api/v1/track', () => {
  it('credits events without a variant to the version the unit is served, and with one to that version', async () => {
    const d = daemon();
    const id = await startRollout(d);
    const at = new Date(d.clock.now() + 1000).toISOString();
    const canaryUnit = unitServed(d, '2.4.0');
    const stableUnit = unitServed(d, '2.3.1');
    const res = await d.request('/api/v1/track', {
      method: 'POST',
      as: 'ingest',
      json: {
        events: [
          { name: 'feedback', flagKey: PACK, targetingKey: canaryUnit, value: 2, timestamp: at },
          { name: 'feedback', flagKey: PACK, targetingKey: canaryUnit, value: 3, timestamp: at },
          { name: 'feedback', flagKey: PACK, targetingKey: stableUnit, value: 5, timestamp: at },
          { name: 'thumbs_up', flagKey: PACK, variant: '2.4.0', targetingKey: stableUnit, timestamp: at },
          { name: 'thumbs_down', flagKey: PACK, variant: '2.4.0', targetingKey: 'u', timestamp: at },
          { name: 'thumbs_up', flagKey: PACK, variant: '0.0.1', targetingKey: 'u', timestamp: at },
          { name: 'feedback', flagKey: 'no-such-pack', targetingKey: 'u', value: 1, timestamp: at },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 5, dropped: { unknown_variant: 1, no_rollout: 1 } });
    const a = await analysis(d, id);
    expect(a.arms.canary.metrics.satisfaction).toBe(2.5);
    expect(a.arms.stable.metrics.satisfaction).toBe(5);
    expect(a.arms.canary.metrics.thumbs_up_rate).toBe(0.5);
  });

  it("files events under the scope of their `reason` (the provider's assignment), not of a re-evaluation", async () => {
    const d = daemon();
    const id = await startRollout(d);
    const at = new Date(d.clock.now() + 1000).toISOString();
    // During a split phase, re-evaluating without the segment attributes says SPLIT for every unit: only the
    // event's reason tells that the unit was assigned by a segment rule.
    const canaryUnit = unitServed(d, '2.4.0');
    const stableUnit = unitServed(d, '2.3.1');
    const res = await d.request('/api/v1/track', {
      method: 'POST',
      as: 'ingest',
      json: {
        events: [
          {
            name: 'thumbs_up',
            flagKey: PACK,
            variant: '2.4.0',
            reason: 'TARGETING_MATCH',
            targetingKey: canaryUnit,
            timestamp: at,
          },
          {
            name: 'thumbs_down',
            flagKey: PACK,
            variant: '2.4.0',
            reason: 'SPLIT',
            targetingKey: canaryUnit,
            timestamp: at,
          },
          {
            name: 'regenerate',
            flagKey: PACK,
            reason: 'TARGETING_MATCH',
            targetingKey: stableUnit,
            timestamp: at,
          },
          { name: 'escalate', flagKey: PACK, targetingKey: canaryUnit, timestamp: at },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 4, dropped: {} });
    expect(feedbackByScope(d, id)).toEqual({
      'canary/targeting/thumbs_up': 1,
      'canary/split/thumbs_down': 1,
      'stable/targeting/regenerate': 1,
      'canary/split/escalate': 1,
    });
    const tooLong = await d.request('/api/v1/track', {
      method: 'POST',
      as: 'ingest',
      json: {
        events: [{ name: 'x', flagKey: PACK, reason: 'R'.repeat(65), targetingKey: 'u', timestamp: at }],
      },
    });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.json()).toMatchObject({ code: 'invalid_body', path: ['events', 0, 'reason'] });
  });

  it('answers 400 with the path of an invalid event and 413 for an oversized batch', async () => {
    const d = daemon();
    await startRollout(d);
    const bad = await d.request('/api/v1/track', {
      method: 'POST',
      as: 'ingest',
      json: { events: [{ name: 'feedback', flagKey: PACK, timestamp: 1 }] },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_body', path: ['events', 0, 'targetingKey'] });
    const event = { name: 'regenerate', flagKey: PACK, targetingKey: 'u', timestamp: 1 };
    const big = await d.request('/api/v1/track', {
      method: 'POST',
      as: 'ingest',
      json: { events: Array.from({ length: 1001 }, () => event) },
    });
    expect(big.status).toBe(413);
    expect((await big.json()).code).toBe('payload_too_large');
    expect(
      (await d.request('/api/v1/track', { method: 'POST', as: 'read', json: { events: [] } })).status,
    ).toBe(403);
  });
});

describe('POST /api/v1/scores', () => {
  it('joins scores to the arm recorded for their trace and drops unknown traces', async () => {
    const d = daemon();
    const id = await startRollout(d);
    const canaryTrace = traceId();
    const stableTrace = traceId();
    const now = d.clock.now();
    const spans = [
      { traceId: canaryTrace, endMs: now + 100, durationMs: 50, attributes: flagAttributes(PACK, '2.4.0') },
      { traceId: stableTrace, endMs: now + 100, durationMs: 50, attributes: flagAttributes(PACK, '2.3.1') },
    ];
    const ingest = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: otlpTraces(spans) });
    expect(ingest.status).toBe(200);
    const res = await d.request('/api/v1/scores', {
      method: 'POST',
      as: 'ingest',
      json: {
        scores: [
          { traceId: canaryTrace, name: 'judge', value: 0.2 },
          { traceId: canaryTrace.toUpperCase(), name: 'judge', value: 0.9 },
          { traceId: stableTrace, name: 'judge', value: 1, timestamp: new Date(now + 200).toISOString() },
          { traceId: traceId(), name: 'judge', value: 1 },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, dropped: { unknown_trace: 1 } });
    const a = await analysis(d, id);
    expect(a.arms.canary.metrics.eval_pass_rate).toBe(0.5);
    expect(a.arms.stable.metrics.eval_pass_rate).toBe(1);
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toContain('canaryd_analysis_items_total{item="score",outcome="unknown_trace"} 1');
  });
});
