/**
 * Downstream attribution through the real daemon on a manual clock: the app's spans (service `support-agent`)
 * and the spans of a downstream service that got the assignment by baggage (`billing-parser`, marked
 * `promptcanary.downstream`) go through OTLP ingest, the analyzer and the controller.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { MINUTE_MS, seededRandom } from '../controller/testing/play-traffic.js';
import { flagAttributes, otlpTraces, type TestSpan, traceId } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const PACK = 'support-prompts';
const SVC = 'billing-parser';
const METRIC = `downstream_error_rate:${SVC}`;

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

function packYaml(version: string, metrics: string): string {
  return `apiVersion: promptcanary.dev/v1alpha1
kind: PromptPack
metadata: { name: ${PACK} }
spec:
  version: "${version}"
  rollout:
    canaryWeight: 50
    stepWeight: 50
    stepInterval: 3m
    analysis:
      interval: 1m
      minSamples: 50
      maxInconclusive: 30m
      metrics:
${metrics}`;
}

const GATES = `        - { name: success_rate, threshold: 90% }
        - { name: downstream_error_rate, service: ${SVC}, threshold: 2% }
        - { name: downstream_latency_p99, service: ${SVC}, threshold: 800ms }`;

async function startRollout(d: TestDaemon, metrics: string): Promise<string> {
  const first = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: packYaml('1.0.0', metrics) });
  expect(first.status, JSON.stringify(await first.clone().json())).toBe(201);
  const res = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: packYaml('2.0.0', metrics) });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.rollout.id;
}

async function rolloutOf(d: TestDaemon, id: string) {
  return (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
}

/**
 * Plays `minutes` of traffic: per request an app span (healthy in both versions) and, in the same trace, the
 * downstream service's request span and a local child of it that carries the assignment as inherited. The
 * downstream service fails `canaryErrors` of the canary's requests and 0.5% of stable's. Even minutes send the
 * downstream batch first (no trace join yet), odd minutes the app's first (joined to the app span's unit).
 */
async function play(
  d: TestDaemon,
  id: string,
  minutes: number,
  canaryErrors: number,
): Promise<{ appRequests: number; lastLook: Analysis | undefined }> {
  const r = seededRandom(41);
  let appRequests = 0;
  let lastLook: Analysis | undefined;
  for (let minute = 0; minute < minutes; minute++) {
    const now = d.clock.now();
    const app: TestSpan[] = [];
    const downstream: TestSpan[] = [];
    for (let i = 0; i < 400; i++) {
      const targetingKey = `user-${Math.floor(r() * 1e9)}`;
      const endMs = now + Math.floor((i / 400) * (MINUTE_MS - 2000)) + 1500;
      const details = d.ctx.config.current().evaluator.evaluate(PACK, { targetingKey }, endMs);
      const variant = details.variant ?? 'none';
      const trace = traceId();
      const appSpan = randomBytes(8).toString('hex');
      const serverSpan = randomBytes(8).toString('hex');
      app.push({
        traceId: trace,
        spanId: appSpan,
        endMs,
        durationMs: 700 + 400 * r(),
        attributes: {
          ...flagAttributes(PACK, variant, details.reason),
          'feature_flag.context.id': targetingKey,
        },
      });
      appRequests++;
      const failed = r() < (variant === '2.0.0' ? canaryErrors : 0.005);
      const baggage = { ...flagAttributes(PACK, variant), 'promptcanary.downstream': true };
      downstream.push({
        traceId: trace,
        spanId: serverSpan,
        parentSpanId: appSpan,
        endMs: endMs - 100,
        durationMs: 200 + 200 * r(),
        error: failed,
        attributes: baggage,
      });
      downstream.push({
        traceId: trace,
        parentSpanId: serverSpan,
        endMs: endMs - 150,
        durationMs: 100,
        error: failed,
        attributes: { ...baggage, 'feature_flag.inherited': true },
      });
    }
    const batches: Array<[TestSpan[], string]> = [
      [downstream, SVC],
      [app, 'support-agent'],
    ];
    if (minute % 2 === 1) batches.reverse();
    for (const [spans, service] of batches) {
      const res = await d.request('/v1/traces', {
        method: 'POST',
        json: otlpTraces(spans, service),
        as: 'ingest',
      });
      expect(res.status).toBe(200);
    }
    d.clock.advance(MINUTE_MS);
    if ((await rolloutOf(d, id)).phase !== 'Progressing') return { appRequests, lastLook };
    // The look the controller judged this minute, while the rollout is still live.
    lastLook = await (
      await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })
    ).json();
  }
  return { appRequests, lastLook };
}

interface Analysis {
  checks: Array<{ metric: string; kind: string; result: string }>;
  arms: Record<'stable' | 'canary', { n: number; metrics: Record<string, number> }>;
  metricInfo: Record<string, { unit: string; direction: string }>;
}

describe('downstream_error_rate gates a rollout on the errors of a downstream service', () => {
  test('errors only in the downstream service for canary requests roll back while the app passes', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const id = await startRollout(d, GATES);
    const { lastLook } = await play(d, id, 12, 0.15);
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(new RegExp(`^${METRIC} failed 2 consecutive checks`));

    // The look before the rollback: the downstream gate failing, the app's own passing.
    const analysis = lastLook as Analysis;
    expect(analysis).toBeDefined();
    const checks = analysis.checks;
    expect(checks.find((c) => c.metric === 'success_rate' && c.kind === 'threshold')?.result).toBe('Pass');
    expect(checks.find((c) => c.metric === METRIC && c.kind === 'threshold')?.result).toBe('Fail');
    expect(checks.find((c) => c.metric === `downstream_latency_p99:${SVC}`)?.result).toBe('Pass');
    // The app's own figures are its own: no downstream error and no second request per trace in them.
    expect(analysis.arms.canary.metrics.success_rate).toBe(1);
    expect(analysis.arms.canary.metrics[METRIC]).toBeGreaterThan(0.08);
    expect(analysis.arms.stable.metrics[METRIC]).toBeLessThan(0.02);
    expect(analysis.arms.canary.metrics.latency_p50).toBeGreaterThan(850);
    expect(analysis.metricInfo[METRIC]).toEqual({ unit: 'fraction', direction: 'lower' });
    expect(analysis.metricInfo[`downstream_latency_p99:${SVC}`]).toEqual({ unit: 'ms', direction: 'lower' });
  }, 60_000);

  test('a healthy downstream service lets the rollout complete, its figures shown per arm', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const id = await startRollout(d, GATES);
    const { lastLook, appRequests } = await play(d, id, 12, 0.005);
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
    // Each trace is one app request: the downstream spans do not add to the app's count.
    const arms = (lastLook as Analysis).arms;
    expect(arms.stable.n + arms.canary.n).toBeLessThanOrEqual(appRequests);
    expect(arms.stable.n + arms.canary.n).toBeGreaterThan(appRequests - 401);
    expect(arms.canary.metrics[METRIC]).toBeLessThan(0.02);
    expect(arms.canary.metrics[`downstream_latency_p99:${SVC}`]).toBeLessThan(420);
  }, 60_000);
});

describe('the pack schema knows the downstream metrics', () => {
  async function put(metrics: string) {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const res = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: packYaml('1.0.0', metrics) });
    const body = await res.json();
    await d.close();
    daemon = undefined;
    return { status: res.status, body };
  }

  test('a downstream metric without service is refused at its path', async () => {
    const { status, body } = await put('        - { name: downstream_error_rate, threshold: 2% }\n');
    expect(status).toBe(400);
    expect(body.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, 'service']);
  });

  test('service on another metric is refused at its path', async () => {
    const { status, body } = await put(`        - { name: error_rate, service: ${SVC}, threshold: 2% }\n`);
    expect(status).toBe(400);
    expect(body.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, 'service']);
  });

  test('the same metric and service twice is refused; two services are two gates', async () => {
    const twice = await put(
      `        - { name: downstream_error_rate, service: ${SVC}, threshold: 2% }\n` +
        `        - { name: downstream_error_rate, service: ${SVC}, maxIncrease: 1pt }\n`,
    );
    expect(twice.status).toBe(400);
    expect(twice.body.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 1, 'service']);
    const two = await put(
      `        - { name: downstream_error_rate, service: ${SVC}, threshold: 2% }\n` +
        '        - { name: downstream_error_rate, service: search, maxIncrease: 1pt }\n' +
        `        - { name: downstream_latency_p99, service: ${SVC}, threshold: 0.8s }\n`,
    );
    expect(two.status, JSON.stringify(two.body)).toBe(201);
  });

  test('a latency limit on the downstream p99 reads as a latency, a rate limit as a rate', async () => {
    const bad = await put(`        - { name: downstream_latency_p99, service: ${SVC}, threshold: 2% }\n`);
    expect(bad.status).toBe(400);
    expect(bad.body.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, 'threshold']);
    const wrongWay = await put(
      `        - { name: downstream_error_rate, service: ${SVC}, maxDecrease: 1pt }\n`,
    );
    expect(wrongWay.status).toBe(400);
    expect(wrongWay.body.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, 'maxDecrease']);
  });
});
