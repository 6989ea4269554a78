import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedLeadership } from '../controller/testing/scripted-leadership.js';
import { PACK, pack, startRollout } from '../ingest/testing/live-rollout.js';
import { flagAttributes, otlpTraces, type TestSpan, traceId } from '../ingest/testing/otlp-json.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { verifyWebhook } from '../webhooks/sign-webhook.js';

const SECRET = 'eval-hook-secret';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Received {
  body: string;
  signature: string | undefined;
}

/** A real hook on loopback that records what it receives and answers `status`. */
async function hook(status = 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signature = req.headers['x-canary-signature'];
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: typeof signature === 'string' ? signature : undefined,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`, received };
}

function daemon(): TestDaemon {
  const d = createTestDaemon({}, undefined, { startController: false });
  cleanups.push(() => d.close());
  return d;
}

function spans(d: TestDaemon, variant: string, n: number, reason = 'SPLIT'): TestSpan[] {
  return Array.from({ length: n }, (_, i) => ({
    traceId: traceId(),
    endMs: d.clock.now() + i,
    durationMs: 10,
    attributes: flagAttributes(PACK, variant, reason),
  }));
}

async function post(d: TestDaemon, batch: TestSpan[]): Promise<void> {
  const res = await d.request('/v1/traces', { method: 'POST', as: 'ingest', json: otlpTraces(batch) });
  expect(res.status).toBe(200);
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const evaluation = (url: string) => ({
  every: '15m',
  sample: 5,
  hook: { url, secret: SECRET },
  timeout: '10m',
});
const ANALYSIS = (url: string) => ({
  metrics: [{ name: 'eval_pass_rate', evaluator: 'judge', maxDecrease: '5pt' }],
  evaluation: evaluation(url),
});

describe('evaluations on sampled live traffic', () => {
  it('draws up to `sample` split-assigned traces per arm every `every`, signed, and counts the answer', async () => {
    const d = daemon();
    const { url, received } = await hook();
    const id = await startRollout(d, { analysis: ANALYSIS(url) });
    const stable = spans(d, '2.3.1', 20);
    const canary = spans(d, '2.4.0', 3);
    // Segment-assigned traffic is not the split's: never sampled.
    const targeted = spans(d, '2.4.0', 10, 'TARGETING_MATCH');
    await post(d, [...stable, ...canary, ...targeted]);

    d.clock.advance(14 * 60_000);
    expect(d.evaluations.tick()).toEqual([]);
    d.clock.advance(60_000);
    const [batch] = d.evaluations.tick();
    expect(batch).toMatchObject({ rolloutId: id, pack: PACK, traces: { stable: 5, canary: 3 } });
    await waitFor('the hook request', () => received.length === 1);
    const [request] = received;
    expect(verifyWebhook(request?.body ?? '', request?.signature, SECRET)).toBe(true);
    const body = JSON.parse(request?.body ?? '{}');
    expect(body).toMatchObject({
      event: 'evaluation.requested',
      pack: PACK,
      rolloutId: id,
      batchId: batch?.id,
    });
    const sentIds = new Set<string>(body.traces.map((t: { traceId: string }) => t.traceId));
    expect(sentIds.size).toBe(8);
    const stableIds = new Set(stable.map((s) => s.traceId));
    const canaryIds = new Set(canary.map((s) => s.traceId));
    for (const t of body.traces) {
      expect(t.variant === '2.3.1' ? stableIds.has(t.traceId) : canaryIds.has(t.traceId)).toBe(true);
      expect(Number.isNaN(Date.parse(t.endTime))).toBe(false);
    }

    const scores = body.traces.map((t: { traceId: string }) => ({
      traceId: t.traceId,
      name: 'judge',
      value: 1,
      batchId: body.batchId,
    }));
    const res = await d.request('/api/v1/scores', { method: 'POST', as: 'ingest', json: { scores } });
    expect(await res.json()).toEqual({ accepted: 8, dropped: {} });
    const detail = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
    expect(detail.evaluation).toMatchObject({ sent: 1, scored: 1, late: 0, pending: 0 });
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toContain(`canaryd_evaluation_batches{pack="${PACK}",state="scored"} 1`);

    // The reservoir starts afresh after a draw: no new traffic, nothing sent.
    d.clock.advance(15 * 60_000);
    expect(d.evaluations.tick()).toEqual([]);
  });

  it('draws only on the replica that leads the controller, from what that replica ingested', async () => {
    const leadership = new ScriptedLeadership(false);
    const d = createTestDaemon({}, undefined, { startController: false, leadership });
    cleanups.push(() => d.close());
    const { url, received } = await hook();
    await startRollout(d, { analysis: ANALYSIS(url) });
    await post(d, [...spans(d, '2.3.1', 20), ...spans(d, '2.4.0', 3)]);
    d.clock.advance(15 * 60_000);
    expect(d.evaluations.tick()).toEqual([]);
    leadership.set(true);
    const [batch] = d.evaluations.tick();
    expect(batch?.traces).toEqual({ stable: 5, canary: 3 });
    await waitFor('the hook request', () => received.length === 1);
  });

  it('marks a batch nobody scores late after `timeout`, in status and /metrics', async () => {
    const d = daemon();
    const { url, received } = await hook(500);
    const id = await startRollout(d, { analysis: ANALYSIS(url) });
    await post(d, [...spans(d, '2.3.1', 4), ...spans(d, '2.4.0', 4)]);
    d.clock.advance(15 * 60_000);
    expect(d.evaluations.tick()).toHaveLength(1);
    await waitFor('the hook request', () => received.length >= 1);
    d.clock.advance(10 * 60_000 - 1);
    d.evaluations.tick();
    let detail = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
    expect(detail.evaluation).toMatchObject({ sent: 1, scored: 0, late: 0, pending: 1 });
    d.clock.advance(1);
    d.evaluations.tick();
    detail = await (await d.request(`/api/v1/rollouts/${id}`, { as: 'read' })).json();
    expect(detail.evaluation).toMatchObject({ sent: 1, scored: 0, late: 1, pending: 0 });
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toContain(`canaryd_evaluation_batches{pack="${PACK}",state="late"} 1`);
  });

  it('rejects a hook without a URL with the field path', async () => {
    const d = daemon();
    const res = await d.request(`/api/v1/packs/${PACK}`, {
      method: 'PUT',
      json: pack('1.0.0', { analysis: { evaluation: { hook: { secret: 's' } } } }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({
      code: 'invalid_body',
      path: ['spec', 'rollout', 'analysis', 'evaluation', 'hook', 'url'],
    });
  });
});
