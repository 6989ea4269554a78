/**
 * The words of a pack's analysis block, each from YAML through the real ingest, analyzer and controller on a
 * manual clock to the decision it should lead to.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { createTestDaemon, type TestBody, type TestDaemon } from '../testing/test-daemon.js';
import { playTraffic, type RequestShape } from './testing/play-traffic.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const PACK = 'support-prompts';

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

/** A pack at `version` with a two-step ramp (50%, then 100%) and the given analysis YAML (indented 6). */
function packYaml(version: string, analysis: string): string {
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
${analysis}`;
}

async function startRollout(analysis: string): Promise<{ d: TestDaemon; id: string; body: TestBody }> {
  const d = createTestDaemon({}, new ManualClock(T0));
  daemon = d;
  const first = await d.request(`/api/v1/packs/${PACK}`, {
    method: 'PUT',
    yaml: packYaml('1.0.0', analysis),
  });
  expect(first.status, JSON.stringify(await first.clone().json())).toBe(201);
  const res = await d.request(`/api/v1/packs/${PACK}`, { method: 'PUT', yaml: packYaml('2.0.0', analysis) });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { d, id: body.rollout.id, body };
}

async function rolloutOf(d: TestDaemon, id: string) {
  return (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
}

function settled(d: TestDaemon, id: string): () => Promise<boolean> {
  return async () => {
    const { phase } = await rolloutOf(d, id);
    return phase !== 'Progressing';
  };
}

const bernoulli = (r: () => number, p: number): number => (r() < p ? 1 : 0);

describe('directions come from the metric', () => {
  test('a canary passing 95% of its evals against `eval_pass_rate: 90%` completes (it was rolled back)', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: eval_pass_rate, threshold: 90% }
        - { name: thumbs_up_rate, threshold: 60% }`);
    const shape = (_variant: string, r: () => number): RequestShape => ({
      durationMs: 900,
      scores: [{ name: 'judge', value: bernoulli(r, 0.95) }],
      events: [{ name: r() < 0.8 ? 'thumbs_up' : 'thumbs_down' }],
    });
    await playTraffic(d, PACK, 15, shape, { seed: 11, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
  });

  test('a custom `refund_rate` stated lower-is-better rolls back when canary refunds rise', async () => {
    const { d, id } = await startRollout(`      metrics:
        - name: refund_rate
          from: { attribute: app.refund, aggregate: rate }
          direction: lower
          threshold: 10%`);
    const shape = (variant: string, r: () => number): RequestShape => ({
      durationMs: 900,
      attributes: { 'app.refund': r() < (variant === '2.0.0' ? 0.3 : 0.05) },
    });
    await playTraffic(d, PACK, 10, shape, { seed: 12, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^refund_rate failed 2 consecutive checks \(.*> 10/);
  });
});

describe('tolerances say relative (%) or points (pt)', () => {
  // Canary success drops from 97% to 90%: 7 points, or 7.2% of stable's rate.
  const shape = (variant: string, r: () => number): RequestShape => ({
    durationMs: 900,
    error: r() >= (variant === '2.0.0' ? 0.9 : 0.97),
  });

  test('`maxDecrease: 20%` is relative to stable: a 7-point drop (−7.2%) is within it and completes', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: success_rate, maxDecrease: 20% }`);
    await playTraffic(d, PACK, 15, shape, { seed: 21, perMinute: 1500, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
  });

  test('`maxDecrease: 2pt` is absolute points: the same drop rolls back', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: success_rate, maxDecrease: 2pt }`);
    await playTraffic(d, PACK, 15, shape, { seed: 21, perMinute: 1500, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^success_rate failed 2 consecutive checks .*tolerance −2\.0 points/);
  });

  test('a bare number is refused with the path and both spellings', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const res = await d.request(`/api/v1/packs/${PACK}`, {
      method: 'PUT',
      yaml: packYaml('1.0.0', '      metrics:\n        - { name: success_rate, maxDecrease: 0.02 }\n'),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.path).toEqual(['spec', 'rollout', 'analysis', 'metrics', 0, 'maxDecrease']);
    expect(body.message).toContain('write "20%"');
  });
});

describe('tracking values: from: {event, aggregate}', () => {
  // Sessions last ~750 s on stable and ~1,050 s on the canary (+40%); one session_length event per request.
  const shape = (variant: string, r: () => number): RequestShape => ({
    durationMs: 900,
    events: [{ name: 'session_length', value: (variant === '2.0.0' ? 900 : 600) + 300 * r() }],
  });

  test('the mean of session_length values beyond maxIncrease 20% rolls back, the figures in seconds not counts', async () => {
    const { d, id } = await startRollout(`      metrics:
        - name: session_length
          from: { event: session_length, aggregate: mean }
          direction: lower
          maxIncrease: 20%`);
    await playTraffic(d, PACK, 10, shape, { seed: 31, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase).toBe('RolledBack');
    expect(after.reason).toMatch(/^session_length failed 2 consecutive checks \(1,0\d\d vs stable 7\d\d/);
  });

  test('p95 and per_request read the same events as a percentile and as a count', async () => {
    const { d, id } = await startRollout(`      metrics:
        - { name: long_sessions, from: { event: session_length, aggregate: p95 }, direction: lower, threshold: 1300, compare: false }
        - { name: sessions_per_request, from: { event: session_length, aggregate: per_request }, direction: higher, threshold: 0.9 }`);
    await playTraffic(d, PACK, 15, shape, { seed: 32, until: settled(d, id) });
    const after = await rolloutOf(d, id);
    expect(after.phase, after.reason).toBe('Completed');
    const analysis = await (
      await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })
    ).json();
    expect(analysis.arms.canary.metrics.long_sessions).toBeGreaterThan(1100);
    expect(analysis.arms.canary.metrics.sessions_per_request).toBeCloseTo(1, 5);
  });
});

describe('the words are documented in /openapi.json', () => {
  test('the PromptPack body schema names each word of a metric and of the analysis', async () => {
    const d = createTestDaemon({}, new ManualClock(T0));
    daemon = d;
    const text = JSON.stringify(await (await d.request('/openapi.json')).json());
    for (const word of ['"direction"', '"maxDecrease":{"description"', '2pt']) expect(text).toContain(word);
  });
});
