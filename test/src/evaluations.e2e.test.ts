import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli } from './cli-process.js';
import { api, type DaemonProcess, startDaemon } from './daemon-process.js';

// Evals on sampled live traffic (`analysis.evaluation`), through the built canaryd: it draws split-assigned trace
// ids per arm, POSTs them signed to a real HTTP hook on loopback, and judges eval_pass_rate on the scores the hook
// posts back with the batch id. Rollout time runs 60× faster (a 1m `every` is one real second) except where said.

const PACK = 'support-prompts';
const STABLE = '2.3.1';
const CANARY = '2.4.0';
const SECRET = `hook-${randomBytes(8).toString('hex')}`;
/** Generous bounds for a loaded machine: hang guards, not timings. */
const WAIT_MS = 30_000;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface EvalRequest {
  event: string;
  pack: string;
  rolloutId: string;
  batchId: string;
  traces: Array<{ traceId: string; variant: string; endTime: string }>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A real evaluation hook on loopback: checks the signature, records each request, then calls `onRequest`. */
async function startHook(onRequest: (request: EvalRequest) => void | Promise<void> = () => {}) {
  const requests: EvalRequest[] = [];
  let badSignatures = 0;
  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      if (req.headers['x-canary-signature'] !== expected) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const request = JSON.parse(body) as EvalRequest;
      requests.push(request);
      res.writeHead(202).end();
      await onRequest(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`,
    requests,
    badSignatures: () => badSignatures,
  };
}

async function daemon(timeScale: number): Promise<DaemonProcess> {
  const d = await startDaemon({ args: ['--time-scale', String(timeScale)] });
  cleanups.push(() => d.stop());
  return d;
}

function pack(version: string, analysis: Record<string, unknown>) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    // Half the split on the canary, held there: the test's traffic matches it, so the traffic split check holds.
    spec: { version, rollout: { steps: [{ weight: 50, minDuration: '24h' }, { weight: 100 }], analysis } },
  };
}

async function startRollout(d: DaemonProcess, analysis: Record<string, unknown>): Promise<string> {
  const path = `/api/v1/packs/${PACK}`;
  expect((await api(d, path, { method: 'PUT', json: pack(STABLE, analysis) })).status).toBe(201);
  const res = await api(d, path, { method: 'PUT', json: pack(CANARY, analysis) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { rollout: { id: string } }).rollout.id;
}

/**
 * `n` split-assigned request spans per arm in one OTLP/JSON export (so that one draw sees both arms' whole burst),
 * equally fast and healthy; returns their trace ids per arm, in the order sent.
 */
function requests(n: number): { body: unknown; traceIds: Record<string, string[]> } {
  const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
  const end = Date.now();
  const traceIds: Record<string, string[]> = {};
  const arms = [STABLE, CANARY].map((variant) => {
    traceIds[variant] = Array.from({ length: n }, () => randomBytes(16).toString('hex'));
    return { variant, ids: traceIds[variant] };
  });
  const spans = arms.flatMap(({ variant, ids }) =>
    ids.map((traceId, i) => ({
      traceId,
      spanId: randomBytes(8).toString('hex'),
      name: 'support.answer',
      kind: 2,
      startTimeUnixNano: nanos(end - 200 - (i % 50)),
      endTimeUnixNano: nanos(end),
      attributes: [
        kv('feature_flag.key', PACK),
        kv('feature_flag.result.variant', variant),
        kv('feature_flag.result.reason', 'SPLIT'),
      ],
    })),
  );
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', 'support-agent')] },
        scopeSpans: [{ scope: { name: 'evaluations-e2e' }, spans }],
      },
    ],
  };
  return { body, traceIds };
}

async function send(d: DaemonProcess, n: number): Promise<Record<string, string[]>> {
  const { body, traceIds } = requests(n);
  const res = await api(d, '/v1/traces', { method: 'POST', json: body });
  expect(res.status).toBe(200);
  return traceIds;
}

interface RolloutState {
  phase: string;
  reason: string;
  evaluation?: { sent: number; scored: number; late: number; pending: number };
}

async function rollout(d: DaemonProcess, id: string): Promise<RolloutState> {
  return (await (await api(d, `/api/v1/rollouts/${id}`)).json()) as RolloutState;
}

/** Sends equal traffic to both arms every 100 ms until `done` says so (or the bound passes), then returns it. */
async function trafficUntil<T>(
  d: DaemonProcess,
  done: () => Promise<T | undefined>,
  what: string,
  perArm = 20,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    await send(d, perArm);
    const result = await done();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A deterministic judge: passes a trace when its id hashes below the arm's pass rate. */
function judge(traceId: string, passRate: number): number {
  const h = createHash('sha256').update(traceId).digest().readUInt32BE(0) / 2 ** 32;
  return h < passRate ? 1 : 0;
}

describe('evals on sampled live traffic', () => {
  it("rolls a rollout back on the canary's eval pass rate alone, latency and errors alike", async () => {
    const d = await daemon(60);
    const hook = await startHook(async (request) => {
      const scores = request.traces.map((t) => ({
        traceId: t.traceId,
        name: 'judge',
        value: judge(t.traceId, t.variant === CANARY ? 0.5 : 0.95),
        batchId: request.batchId,
      }));
      await api(d, '/api/v1/scores', { method: 'POST', json: { scores } });
    });
    const id = await startRollout(d, {
      interval: '1m',
      failureThreshold: 2,
      minSamples: 20,
      maxInconclusive: '30m',
      metrics: [
        { name: 'success_rate', threshold: '90%' },
        { name: 'latency_p99', threshold: '3000ms' },
        { name: 'eval_pass_rate', evaluator: 'judge', maxDecrease: '10pt' },
      ],
      evaluation: { every: '1m', sample: 30, hook: { url: hook.url, secret: SECRET }, timeout: '2m' },
    });
    const final = await trafficUntil(
      d,
      async () => {
        const r = await rollout(d, id);
        return r.phase === 'RolledBack' || r.phase === 'Paused' ? r : undefined;
      },
      'the rollback',
    );
    expect(final.phase).toBe('RolledBack');
    expect(final.reason).toContain('eval_pass_rate:judge');
    expect(hook.badSignatures()).toBe(0);
    expect(hook.requests.length).toBeGreaterThanOrEqual(1);
    const first = hook.requests[0];
    expect(first).toMatchObject({ event: 'evaluation.requested', pack: PACK, rolloutId: id });
    expect(first?.traces.length).toBeLessThanOrEqual(60);
    expect(final.evaluation?.scored).toBeGreaterThanOrEqual(1);
    // The other gates held: only the eval metric failed.
    const analysis = (await (await api(d, `/api/v1/rollouts/${id}/analysis?window=rollout`)).json()) as {
      checks: Array<{ metric: string; result: string }>;
    };
    const failing = analysis.checks.filter((c) => c.result === 'Fail').map((c) => c.metric);
    expect(failing).toEqual(['eval_pass_rate:judge']);
  }, 60_000);

  it('pauses the rollout NoData when the hook never answers, and counts the batches late', async () => {
    const d = await daemon(60);
    const hook = await startHook();
    const id = await startRollout(d, {
      interval: '1m',
      minSamples: 20,
      maxInconclusive: '2m',
      metrics: [{ name: 'eval_pass_rate', maxDecrease: '10pt' }],
      evaluation: { every: '1m', sample: 10, hook: { url: hook.url, secret: SECRET }, timeout: '1m' },
    });
    const paused = await trafficUntil(
      d,
      async () => {
        const r = await rollout(d, id);
        return r.phase !== 'Progressing' && (r.evaluation?.late ?? 0) > 0 ? r : undefined;
      },
      'the NoData pause',
    );
    // The NoData pause's reason (the API shows the phase and reason; the cause is in the controller's decision).
    expect(paused.phase).toBe('Paused');
    expect(paused.reason).toMatch(/eval_pass_rate has had no canary data for \d/);
    expect(hook.requests.length).toBeGreaterThanOrEqual(1);
    const metrics = await (await api(d, '/metrics')).text();
    expect(metrics).toMatch(new RegExp(`canaryd_evaluation_batches\\{pack="${PACK}",state="late"\\} [1-9]`));
    const status = await spawnCli(d, ['status', PACK]).exited;
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Evals:\s+\d+ sent, \d+ scored, [1-9]\d* late/);
  }, 60_000);

  it('samples uniformly: over many batches every position of the traffic is drawn equally often', async () => {
    // 240×: a 1m `every` is 250 ms; one burst of traffic per batch, so each batch's draw is from that burst alone.
    const d = await daemon(240);
    const received: EvalRequest[] = [];
    const hook = await startHook((request) => {
      received.push(request);
    });
    await startRollout(d, {
      interval: '1m',
      metrics: [{ name: 'eval_pass_rate', maxDecrease: '10pt' }],
      evaluation: { every: '1m', sample: 10, hook: { url: hook.url, secret: SECRET }, timeout: '1h' },
    });
    const BURST = 100;
    const BATCHES = 40;
    const bins = new Array<number>(10).fill(0);
    for (let b = 0; b < BATCHES; b++) {
      const before = received.length;
      const sent = await send(d, BURST);
      const deadline = Date.now() + WAIT_MS;
      while (received.length === before) {
        if (Date.now() > deadline) throw new Error(`batch ${b} never came`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const batch = received[received.length - 1] as EvalRequest;
      expect(batch.traces).toHaveLength(20);
      for (const t of batch.traces) {
        const position = (sent[t.variant] ?? []).indexOf(t.traceId);
        expect(position).toBeGreaterThanOrEqual(0);
        const bin = Math.floor((position * bins.length) / BURST);
        bins[bin] = (bins[bin] ?? 0) + 1;
      }
    }
    const expected = (BATCHES * 20) / bins.length;
    const chi2 = bins.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: above 27.88 happens by chance once in a thousand runs; a sampler favouring the first
    // (or the last) traces of a burst lands far above it.
    expect(chi2, `positions drawn per tenth of the burst: ${bins.join(', ')}`).toBeLessThan(27.88);
  }, 120_000);
});
