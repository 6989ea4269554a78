import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../clock/clock.js';
import { passingChecks, withCheck } from '../controller/testing/machine-driver.js';
import { ScriptedAnalysis } from '../controller/testing/scripted-analysis.js';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './sign-webhook.js';

const T0 = Date.parse('2026-01-05T12:00:00.000Z');
const MIN = 60_000;
const SECRET = 'whsec-test-0123456789';

interface Received {
  body: string;
  signature: string | undefined;
  event: string | undefined;
}

/** A local receiver that answers with the next status of `statuses` (then 204), recording every request. */
async function receiver(
  statuses: number[] = [],
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
        event: req.headers['x-canary-event'] as string | undefined,
      });
      res.writeHead(statuses.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, server };
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function pack(version: string, url: string) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: 'support-prompts' },
    spec: {
      version,
      rollout: {
        canaryWeight: 50,
        stepInterval: '5m',
        analysis: { metrics: [{ name: 'latency_p99', threshold: '3000ms' }] },
        notify: [{ url, secret: SECRET }],
      },
    },
  };
}

async function setup(statuses: number[] = []) {
  const hook = await receiver(statuses);
  const analysis = new ScriptedAnalysis();
  const d: TestDaemon = createTestDaemon({}, new ManualClock(T0), {
    analysis,
    webhookRetry: { baseDelayMs: 5, maxDelayMs: 20, attempts: 3, timeoutMs: 2000 },
  });
  cleanup.push(() => new Promise<void>((resolve) => hook.server.close(() => resolve())));
  cleanup.push(() => d.close());
  await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.3.1', hook.url) });
  return { d, hook, analysis };
}

describe('webhooks', () => {
  test('started, stepped and rolled_back are POSTed as signed JSON the receiver can verify', async () => {
    const { d, hook, analysis } = await setup();
    const res = await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('2.4.0', hook.url),
    });
    const { id } = (await res.json()).rollout;
    d.clock.advance(5 * MIN);
    analysis.script = (rollout) =>
      withCheck(passingChecks(rollout), 'latency_p99', {
        result: 'Fail',
        reason: 'latency_p99 canary 3,412 ms > 3,000 ms (n=412)',
      });
    d.clock.advance(2 * MIN);
    await d.webhooks.idle();

    const events = hook.received.map((r) => JSON.parse(r.body));
    expect(events.map((e) => e.event)).toEqual(['rollout.started', 'rollout.stepped', 'rollout.rolled_back']);
    for (const r of hook.received) {
      expect(verifyWebhook(r.body, r.signature, SECRET)).toBe(true);
      expect(r.signature).toBe(signWebhook(r.body, SECRET));
      expect(verifyWebhook(r.body, r.signature, 'another-secret')).toBe(false);
    }
    expect(events[2]).toEqual({
      event: 'rollout.rolled_back',
      pack: 'support-prompts',
      rolloutId: id,
      phase: 'RolledBack',
      weight: 0,
      reason: 'latency_p99 failed 2 consecutive checks (3,412 ms > 3,000 ms)',
      at: '2026-01-05T12:07:00.000Z',
      text: '*support-prompts* 2.3.1 → 2.4.0 rolled back at 0%: latency_p99 failed 2 consecutive checks (3,412 ms > 3,000 ms)',
    });
    expect(hook.received[2]?.event).toBe('rollout.rolled_back');
  });

  test('an operator pause and an approval are announced with their events', async () => {
    const { d, hook } = await setup();
    const res = await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('2.4.0', hook.url),
    });
    const { id } = (await res.json()).rollout;
    await d.request(`/api/v1/rollouts/${id}/pause`, {
      method: 'POST',
      as: 'operate',
      json: { reason: 'look' },
    });
    await d.webhooks.idle();
    const last = JSON.parse(hook.received.at(-1)?.body ?? '{}');
    expect(last).toMatchObject({ event: 'rollout.paused', phase: 'Paused', reason: 'look' });
    expect(last.text).toContain('paused by test-operate');
  });

  test('a failing receiver is retried with backoff; giving up is audited and counted', async () => {
    const { d, hook } = await setup([500, 500, 500, 503, 204]);
    await d.request('/api/v1/packs/support-prompts', { method: 'PUT', json: pack('2.4.0', hook.url) });
    await d.webhooks.idle();
    expect(hook.received).toHaveLength(3);
    const audit = await (await d.request('/api/v1/audit?pack=support-prompts', { as: 'read' })).json();
    const failure = audit.items.find((e: { action: string }) => e.action === 'webhook.failed');
    expect(failure).toMatchObject({
      actor: 'controller',
      target: `webhook:${hook.url}`,
      reason: `rollout.started to ${hook.url} failed after 3 attempts: HTTP 500`,
    });
    const metrics = await (await d.request('/metrics', { as: 'read' })).text();
    expect(metrics).toMatch(
      /canaryd_webhook_deliveries_total\{event="rollout.started",outcome="retried"\} 2/,
    );
    expect(metrics).toMatch(/canaryd_webhook_deliveries_total\{event="rollout.started",outcome="failed"\} 1/);

    const res = await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('2.3.1', hook.url),
    });
    expect(res.status).toBe(200);
    await d.webhooks.idle();
    expect(hook.received.slice(3).map((r) => JSON.parse(r.body).event)).toEqual([
      'rollout.rolled_back',
      'rollout.rolled_back',
    ]);
  });

  test('a slow receiver never blocks the controller', async () => {
    const { d, hook } = await setup();
    hook.server.removeAllListeners('request');
    // Never answers; counts the delivery attempts the notifier gave up on (its 2 s timeout closes the socket).
    let abandoned = 0;
    hook.server.on('request', (req) => {
      req.on('close', () => {
        abandoned++;
      });
    });
    const res = await d.request('/api/v1/packs/support-prompts', {
      method: 'PUT',
      json: pack('2.4.0', hook.url),
    });
    d.clock.advance(5 * MIN);
    // Order, not speed: had the PUT waited for the receiver, it would answer only after the attempts timed out.
    expect(abandoned).toBe(0);
    expect((await res.json()).rollout.phase).toBe('Progressing');
    const list = await (await d.request('/api/v1/rollouts', { as: 'read' })).json();
    expect(list[0].weight).toBe(100);
  });
});
