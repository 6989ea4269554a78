import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { bucketOf, TOTAL_BUCKETS } from '@prompt-canary/rules';
import { afterEach, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, repoRoot, startDaemon } from './daemon-process.js';

// Served versus assigned through real processes: the built canaryd at 60×, the demo app (a real OpenFeature
// provider stamping `feature_flag.version` and `promptcanary.bucket`, a real OTel SDK exporting OTLP) serving what
// the split assigns, and a second app instance that serves the canary to everyone (a hard-coded version with its
// own evaluation path), sending OTLP like any app. The daemon must pause the rollout naming that instance.

const DEMO_MAIN = join(repoRoot, 'apps/demo/dist/main.js');
const PACK = 'support-prompts';
const TIME_SCALE = 60;
/** The pack's `interval` (1m) in real time under the time scale. */
const INTERVAL_MS = 60_000 / TIME_SCALE;
/** Hang guard for a loaded machine, not a timing. */
const WAIT_MS = 30_000;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function startDemo(daemon: DaemonProcess, token: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      DEMO_MAIN,
      '--url',
      daemon.url,
      '--scenario',
      'aa',
      '--rps',
      '40',
      '--duration',
      '3m',
      '--time-scale',
      '60',
    ],
    { env: { ...(process.env as Record<string, string>), CANARY_TOKEN: token }, stdio: 'ignore' },
  );
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  });
  return child;
}

/** 50 split-assigned requests from the hard-coded instance: every one served the canary, at the current revision. */
async function hardCodedRequests(daemon: DaemonProcess, token: string): Promise<void> {
  const { revision } = (await (
    await api(daemon, '/api/v1/config', { headers: { authorization: `Bearer ${token}` } })
  ).json()) as {
    revision: number;
  };
  const kv = (key: string, value: { stringValue: string } | { intValue: string }) => ({ key, value });
  const nanos = (ms: number) => (BigInt(Math.round(ms)) * 1_000_000n).toString();
  const end = Date.now();
  const spans = Array.from({ length: 50 }, () => {
    const unit = `user-${randomBytes(6).toString('hex')}`;
    return {
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      name: 'support.answer',
      kind: 2,
      startTimeUnixNano: nanos(end - 300),
      endTimeUnixNano: nanos(end),
      attributes: [
        kv('feature_flag.key', { stringValue: PACK }),
        kv('feature_flag.result.variant', { stringValue: '2.4.0' }),
        kv('feature_flag.result.reason', { stringValue: 'SPLIT' }),
        kv('feature_flag.version', { stringValue: String(revision) }),
        kv('promptcanary.bucket', { intValue: String(bucketOf(`${PACK}${unit}`, TOTAL_BUCKETS)) }),
      ],
    };
  });
  const body = {
    resourceSpans: [
      {
        resource: {
          attributes: [
            kv('service.name', { stringValue: 'support-agent' }),
            kv('service.instance.id', { stringValue: 'hard-coded-1' }),
          ],
        },
        scopeSpans: [{ scope: { name: 'hard-coded' }, spans }],
      },
    ],
  };
  const res = await api(daemon, '/v1/traces', {
    method: 'POST',
    json: body,
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
}

interface RolloutState {
  phase: string;
  reason: string;
  timeline: Array<{ at: string; to: string; reason: string }>;
}

describe('served versus assigned', () => {
  it('pauses the rollout within two intervals of an instance serving the canary to everyone, naming it', async () => {
    const daemon = await startDaemon({ args: ['--time-scale', String(TIME_SCALE)] });
    cleanups.push(() => daemon.stop());
    const pack = (version: string) => ({
      apiVersion: 'promptcanary.dev/v1alpha1',
      kind: 'PromptPack',
      metadata: { name: PACK },
      spec: {
        version,
        rollout: {
          steps: [{ weight: 10, minDuration: '24h' }, { weight: 100 }],
          analysis: { interval: '1m', metrics: [] },
        },
      },
    });
    expect((await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.3.1') })).status).toBe(
      201,
    );
    const started = await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.4.0') });
    const rolloutId = ((await started.json()) as { rollout: { id: string } }).rollout.id;
    const created = await api(daemon, '/api/v1/tokens', {
      method: 'POST',
      json: { name: 'apps', scopes: ['evaluate', 'ingest'] },
    });
    const { token } = (await created.json()) as { token: string };
    const rollout = async () =>
      (await (await api(daemon, `/api/v1/rollouts/${rolloutId}`)).json()) as RolloutState;
    const analysis = async () =>
      (await (await api(daemon, `/api/v1/rollouts/${rolloutId}/analysis`)).json()) as {
        assignments?: { result: string; reason: string };
      };

    // The faithful app alone: its provider's buckets and revisions check out.
    startDemo(daemon, token);
    let deadline = Date.now() + WAIT_MS;
    while ((await analysis()).assignments?.result !== 'Pass') {
      if (Date.now() > deadline)
        throw new Error(`no Pass: ${JSON.stringify((await analysis()).assignments)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await rollout()).phase).toBe('Progressing');

    // The hard-coded instance starts serving; the rollout pauses, naming it.
    const badFrom = Date.now();
    deadline = badFrom + WAIT_MS;
    let state = await rollout();
    while (state.phase === 'Progressing') {
      if (Date.now() > deadline) throw new Error(`still Progressing: ${state.reason}`);
      await hardCodedRequests(daemon, token);
      await new Promise((resolve) => setTimeout(resolve, 200));
      state = await rollout();
    }
    expect(state.phase).toBe('Paused');
    expect(state.reason).toMatch(
      /^AssignmentMismatch: assignment mismatch: app instance hard-coded-1 served \d+\.\d% of \d+ split-assigned requests/,
    );
    expect(state.reason).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // the faithful demo instance is not named
    const pausedAt = Date.parse(state.timeline.at(-1)?.at ?? '');
    // Two intervals of rollout time, plus slack for a loaded machine's export and scheduling.
    expect(pausedAt - badFrom).toBeLessThan(2 * INTERVAL_MS + 3_000);
  }, 90_000);
});
