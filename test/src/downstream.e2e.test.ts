/**
 * Downstream attribution through real processes: the built canaryd (at 60× time), an app process (the real
 * OpenFeature SDK with our provider, hook and span processor, and a real OTel SDK exporting OTLP as `support-agent`)
 * calling a downstream process over HTTP with the W3C trace context and the assignment in baggage, and that
 * downstream process (`billing-parser`: a real OTel SDK with the provider's `DownstreamSpanProcessor`, exporting
 * OTLP). The downstream service fails canary requests only; the app's own spans stay healthy. The rollout must roll
 * back on `downstream_error_rate:billing-parser` while the app's `success_rate` passes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, startDaemon } from './daemon-process.js';

const APP = fileURLToPath(new URL('./apps/downstream-app.mjs', import.meta.url));
const SERVICE = fileURLToPath(new URL('./apps/downstream-service.mjs', import.meta.url));
const PACK = 'support-prompts';
const SVC = 'billing-parser';
const METRIC = `downstream_error_rate:${SVC}`;
const TIME_SCALE = 60;
/** Hang guard for a loaded machine, not a timing. */
const WAIT_MS = 60_000;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A child process speaking JSON lines: commands on stdin, answers on stdout. */
class LineProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly #pending: Array<(message: Record<string, unknown>) => void> = [];
  readonly #lines: Interface;
  stderr = '';

  constructor(script: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [script], {
      env: { ...(process.env as Record<string, string>), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.#lines = createInterface({ input: this.child.stdout });
    this.#lines.on('line', (line) => this.#pending.shift()?.(JSON.parse(line)));
    cleanups.push(() => this.stop());
  }

  /** The next line, or a failure after a generous bound. */
  next(what: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what}: ${this.stderr}`)), timeoutMs);
      this.#pending.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }

  ask(command: Record<string, unknown>, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const answer = this.next(String(command.op), timeoutMs);
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.write(`${JSON.stringify({ op: 'exit' })}\n`);
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

interface RolloutState {
  phase: string;
  reason: string;
}

interface Analysis {
  checks: Array<{ metric: string; kind: string; result: string }>;
  arms: Record<'stable' | 'canary', { n: number; metrics: Record<string, number> }>;
  metricInfo: Record<string, { unit: string; direction: string }>;
}

interface RunResult {
  variant: string;
  downstream: number;
  baggage: string | null;
}

describe('downstream attribution', () => {
  it('errors injected only in the downstream service for canary requests roll the rollout back on downstream_error_rate', async () => {
    const daemon: DaemonProcess = await startDaemon({ args: ['--time-scale', String(TIME_SCALE)] });
    cleanups.push(() => daemon.stop());
    const pack = (version: string) => ({
      apiVersion: 'promptcanary.dev/v1alpha1',
      kind: 'PromptPack',
      metadata: { name: PACK },
      spec: {
        version,
        rollout: {
          steps: [{ weight: 50, minDuration: '24h' }, { weight: 100 }],
          analysis: {
            interval: '1m',
            failureThreshold: 2,
            minSamples: 30,
            metrics: [
              { name: 'success_rate', threshold: '90%' },
              { name: 'downstream_error_rate', service: SVC, threshold: '2%' },
            ],
          },
        },
      },
    });
    expect((await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.3.1') })).status).toBe(
      201,
    );
    const started = await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack('2.4.0') });
    expect(started.status).toBe(200);
    const rolloutId = ((await started.json()) as { rollout: { id: string } }).rollout.id;
    const created = await api(daemon, '/api/v1/tokens', {
      method: 'POST',
      json: { name: 'apps', scopes: ['evaluate', 'ingest'] },
    });
    const { token } = (await created.json()) as { token: string };
    const rollout = async () =>
      (await (await api(daemon, `/api/v1/rollouts/${rolloutId}`)).json()) as RolloutState;
    const analysis = async () =>
      (await (await api(daemon, `/api/v1/rollouts/${rolloutId}/analysis?window=rollout`)).json()) as Analysis;

    const service = new LineProcess(SERVICE, {
      CANARY_URL: daemon.url,
      CANARY_TOKEN: token,
      SERVICE_NAME: SVC,
      FAIL_VARIANT: '2.4.0',
      FAIL_SHARE: '0.5',
    });
    const { port } = (await service.next('port')) as { port: number };
    const app = new LineProcess(APP, {
      CANARY_URL: daemon.url,
      CANARY_TOKEN: token,
      DOWNSTREAM_URL: `http://127.0.0.1:${port}`,
    });

    // Traffic until the controller acts; keep the last look seen while the rollout was live.
    const deadline = Date.now() + WAIT_MS;
    const seen: RunResult[] = [];
    let lastLook: Analysis | undefined;
    let state = await rollout();
    while (state.phase === 'Progressing') {
      if (Date.now() > deadline) {
        throw new Error(`still Progressing: ${state.reason}; look ${JSON.stringify(lastLook?.checks)}`);
      }
      const { results } = (await app.ask({ op: 'run', requests: 40 })) as { results: RunResult[] };
      seen.push(...results);
      lastLook = await analysis();
      state = await rollout();
    }

    // The assignment travelled: every call carried it in baggage, and the service saw both versions.
    expect(seen.every((r) => r.baggage?.includes(`promptcanary.assignments=`) === true)).toBe(true);
    const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as {
      withAssignment: number;
      requests: number;
      variants: Record<string, number>;
    };
    expect(stats.withAssignment).toBe(stats.requests);
    expect(Object.keys(stats.variants).sort()).toEqual(['2.3.1', '2.4.0']);
    expect(seen.some((r) => r.variant === '2.4.0' && r.downstream === 500)).toBe(true);
    expect(seen.some((r) => r.variant === '2.3.1' && r.downstream === 500)).toBe(false);

    expect(state.phase).toBe('RolledBack');
    expect(state.reason).toMatch(new RegExp(`^${METRIC} failed 2 consecutive checks`));
    const look = lastLook as Analysis;
    expect(look.checks.find((c) => c.metric === 'success_rate')?.result).not.toBe('Fail');
    expect(look.arms.canary.metrics.success_rate).toBe(1);
    expect(look.arms.canary.metrics[METRIC]).toBeGreaterThan(0.2);
    expect(look.arms.stable.metrics[METRIC]).toBe(0);
    expect(look.metricInfo[METRIC]).toEqual({ unit: 'fraction', direction: 'lower' });
    // The downstream spans are not the app's requests: the app's count is at most what it sent.
    expect(look.arms.stable.n + look.arms.canary.n).toBeLessThanOrEqual(seen.length);
  }, 120_000);
});
