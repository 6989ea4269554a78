/**
 * DESIGN.md's four scenarios through the real analysis path: spans posted as OTLP/JSON to `/v1/traces`, feedback
 * to `/api/v1/track`, the daemon's RolloutAnalyzer, and the controller on a manual clock.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { flagAttributes, otlpTraces, type TestSpan } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;
const PACK = 'support-prompts';

/** A seeded generator (mulberry32), so every run sees the same traffic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** How one version behaves: latency (ms) and tokens of a request, its rating 1–5 (or none). */
interface Behaviour {
  latency(r: () => number): number;
  tokens: number;
  rating?(r: () => number): number;
}

const healthy: Behaviour = { latency: (r) => 800 + 1200 * r(), tokens: 900 };

function pack(version: string, metrics: unknown[]) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      rollout: {
        canaryWeight: 10,
        stepWeight: 10,
        stepInterval: '5m',
        analysis: { interval: '1m', failureThreshold: 2, minSamples: 40, maxInconclusive: '30m', metrics },
      },
    },
  };
}

const seedMetrics = [
  { name: 'success_rate', threshold: '90%', comparison: '>=' },
  { name: 'latency_p99', threshold: '3000ms', comparison: '<=' },
];

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

/** Plays `minutes` of traffic, a minute at a time: requests assigned by the live flag, then the clock moves on. */
async function play(
  d: TestDaemon,
  minutes: number,
  behaviour: (variant: string, minute: number) => Behaviour,
  options: { perMinute?: number; seed?: number; until?: () => Promise<boolean> } = {},
): Promise<void> {
  const r = random(options.seed ?? 7);
  const perMinute = options.perMinute ?? 500;
  for (let minute = 0; minute < minutes; minute++) {
    const now = d.clock.now();
    const spans: TestSpan[] = [];
    const events: unknown[] = [];
    for (let i = 0; i < perMinute; i++) {
      const targetingKey = `user-${Math.floor(r() * 1e9)}`;
      const endMs = now + Math.floor((i / perMinute) * (MIN - 1000)) + 1;
      const details = d.ctx.config.current().evaluator.evaluate(PACK, { targetingKey }, endMs);
      const variant = details.variant ?? 'none';
      const how = behaviour(variant, minute);
      spans.push({
        endMs,
        durationMs: how.latency(r),
        attributes: {
          ...flagAttributes(PACK, variant, details.reason),
          'gen_ai.usage.input_tokens': how.tokens,
          'gen_ai.usage.output_tokens': Math.round(how.tokens / 3),
          targetingKey,
        },
      });
      if (how.rating !== undefined) {
        events.push({
          name: 'feedback',
          flagKey: PACK,
          variant,
          targetingKey,
          value: how.rating(r),
          timestamp: new Date(endMs).toISOString(),
        });
      }
    }
    const res = await d.request('/v1/traces', { method: 'POST', json: otlpTraces(spans), as: 'ingest' });
    expect(res.status).toBe(200);
    if (events.length > 0) {
      const tracked = await d.request('/api/v1/track', { method: 'POST', json: { events }, as: 'ingest' });
      expect(tracked.status).toBeLessThan(300);
    }
    d.clock.advance(MIN);
    if (options.until !== undefined && (await options.until())) return;
  }
}

async function start(metrics: unknown[] = seedMetrics): Promise<{ d: TestDaemon; id: string }> {
  const d = createTestDaemon({}, new ManualClock(T0));
  daemon = d;
  await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.3.1', metrics) });
  const res = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.4.0', metrics) });
  return { d, id: (await res.json()).rollout.id };
}

async function rollout(d: TestDaemon, id: string) {
  return (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
}

async function ended(d: TestDaemon, id: string): Promise<boolean> {
  const { phase } = await rollout(d, id);
  return phase === 'Completed' || phase === 'RolledBack' || phase === 'Paused';
}

describe('scenarios through the real analysis path', () => {
  test('1. a successful rollout completes, with every step in the audit log', async () => {
    const { d, id } = await start();
    await play(d, 70, () => healthy, { seed: 1, until: () => ended(d, id) });
    expect(await rollout(d, id)).toMatchObject({ phase: 'Completed', weight: 100 });
    const audit = await (await d.request(`/api/v1/audit?pack=${PACK}&limit=100`, { as: 'read' })).json();
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'rollout.step')).toHaveLength(9);
    expect(actions).toContain('rollout.complete');
  });

  test('2. a latency regression is rolled back within failureThreshold × interval of the breach', async () => {
    const { d, id } = await start();
    await play(d, 12, () => healthy, { seed: 2 });
    expect((await rollout(d, id)).phase).toBe('Progressing');
    const breachAt = d.clock.now();
    const slow: Behaviour = { latency: (r) => 2500 + 2000 * r(), tokens: 900 };
    await play(d, 5, (variant) => (variant === '2.4.0' ? slow : healthy), {
      seed: 3,
      until: () => ended(d, id),
    });
    const after = await rollout(d, id);
    expect(after).toMatchObject({ phase: 'RolledBack', weight: 0 });
    expect(after.reason).toMatch(
      /^latency_p99 failed 2 consecutive checks \([\d,]+ ms > 3,000 ms beyond sampling noise \(.*n=\d+, last 1 min\)/,
    );
    expect(Date.parse(after.endedAt) - breachAt).toBeLessThanOrEqual(2 * MIN);
  });

  test('3. a cheaper, faster canary with lower satisfaction is stopped, the reason naming satisfaction', async () => {
    const metrics = [
      ...seedMetrics,
      { name: 'satisfaction', maxDecrease: '5%' },
      { name: 'tokens_per_request', maxIncrease: '50%' },
    ];
    const { d, id } = await start(metrics);
    const stable: Behaviour = { ...healthy, rating: (r) => (r() < 0.8 ? 5 : 4) };
    const canary: Behaviour = {
      latency: (r) => 600 + 900 * r(),
      tokens: 500,
      rating: (r) => (r() < 0.5 ? 3 : 4),
    };
    await play(d, 40, (variant) => (variant === '2.4.0' ? canary : stable), {
      seed: 4,
      until: () => ended(d, id),
    });
    const after = await rollout(d, id);
    expect(['RolledBack', 'Paused']).toContain(after.phase);
    expect(after.reason).toContain('satisfaction');
  });

  test('4. an A/A rollout completes without a false rollback', async () => {
    const { d, id } = await start();
    await play(d, 70, () => healthy, { seed: 5, until: () => ended(d, id) });
    expect((await rollout(d, id)).phase).toBe('Completed');
  });
});
