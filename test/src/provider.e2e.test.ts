import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventDetails, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { FlagSpanHook, FlagSpanProcessor, PromptCanaryProvider } from '@prompt-canary/openfeature-provider';
import { describeSyncContract, waitUntil } from '@prompt-canary/openfeature-provider/testing';
import type { Flag } from '@prompt-canary/rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonMain, freePort } from './daemon-process.js';

const ADMIN_TOKEN = `e2e-admin-${randomUUID()}`;
const quiet = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** A canaryd process on 127.0.0.1 that can be stopped and started again on the same port and database. */
class Daemon {
  #child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly db: string,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [daemonMain, '--host', '127.0.0.1', '--port', String(this.port), '--db', this.db],
      {
        env: { ...process.env, CANARYD_ADMIN_TOKEN: ADMIN_TOKEN, CANARYD_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.#child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`canaryd exited with ${child.exitCode}: ${stderr}`);
      const ready = await fetch(`${this.baseUrl}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`canaryd did not become ready: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  }

  putFlag(flag: Flag): Promise<Response> {
    return this.request('PUT', `/api/v1/flags/${encodeURIComponent(flag.key)}`, flag);
  }

  async appToken(): Promise<string> {
    const response = await this.request('POST', '/api/v1/tokens', {
      name: `app-${randomUUID().slice(0, 8)}`,
      scopes: ['evaluate', 'ingest'],
    });
    return ((await response.json()) as { token: string }).token;
  }
}

function supportPrompts(canaryWeight: number): Flag {
  return {
    key: 'support-prompts',
    state: 'ENABLED',
    variants: { '2.3.1': '2.3.1', '2.4.0': '2.4.0' },
    defaultVariant: '2.3.1',
    rules: [
      { name: 'internal', segment: { plan: 'internal' }, serve: { variant: '2.4.0' } },
      {
        serve: {
          split: {
            arms: [
              { variant: '2.4.0', weight: canaryWeight },
              { variant: '2.3.1', weight: 100 - canaryWeight },
            ],
          },
        },
      },
    ],
    metadata: { pack: 'support-prompts', stableVersion: '2.3.1', canaryVersion: '2.4.0' },
  };
}

describeSyncContract('canaryd', async () => {
  const daemon = new Daemon(await freePort(), ':memory:');
  await daemon.start();
  return {
    baseUrl: daemon.baseUrl,
    token: await daemon.appToken(),
    putFlag: async (flag) => {
      await daemon.putFlag(flag);
    },
    close: () => daemon.stop(),
  };
});

describe('PromptCanaryProvider against canaryd', () => {
  let dir: string;
  let daemon: Daemon;
  let token: string;
  let provider: PromptCanaryProvider;
  const events: Array<{ type: ProviderEvents; details?: EventDetails }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'canaryd-e2e-'));
    daemon = new Daemon(await freePort(), join(dir, 'canary.db'));
    await daemon.start();
    token = await daemon.appToken();
    await daemon.putFlag(supportPrompts(10));
    provider = new PromptCanaryProvider({
      baseUrl: daemon.baseUrl,
      token,
      reconnectDelay: { initial: '50ms', max: '300ms' },
      errorGracePeriod: '1s',
      logger: quiet,
    });
    for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error]) {
      provider.events.addHandler(type, (details) => {
        events.push(details === undefined ? { type } : { type, details });
      });
    }
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      events.push(
        details === undefined
          ? { type: ProviderEvents.ConfigurationChanged }
          : { type: ProviderEvents.ConfigurationChanged, details },
      );
    });
    await provider.initialize();
  }, 30_000);

  afterAll(async () => {
    await provider?.onClose();
    await daemon?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the same variant as the daemon OFREP answer for 10,000 random contexts', async () => {
    const contexts = Array.from({ length: 10_000 }, (_, i) => ({
      targetingKey: randomUUID(),
      plan: i % 50 === 0 ? 'internal' : 'pro',
    }));
    const mismatches: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < contexts.length) {
        const evaluationContext = contexts[next++];
        if (evaluationContext === undefined) return;
        const response = await fetch(`${daemon.baseUrl}/ofrep/v1/evaluate/flags/support-prompts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ context: evaluationContext }),
        });
        const remote = (await response.json()) as { variant?: string; reason?: string };
        const local = await provider.resolveStringEvaluation('support-prompts', 'none', evaluationContext);
        if (remote.variant !== local.variant || remote.reason !== local.reason) {
          mismatches.push(
            `${JSON.stringify(evaluationContext)}: daemon ${remote.variant}/${remote.reason}, provider ${local.variant}/${local.reason}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(mismatches.slice(0, 5)).toEqual([]);
  }, 120_000);

  it('a rollback (canary weight to 0) through the admin API is pushed to the provider with configuration-changed', async () => {
    const before = events.length;
    await daemon.putFlag(supportPrompts(0));
    // Pushed on the stream: the provider's snapshot poll (its fallback) is 30 s, far past this wait. The wait is an
    // event, not a latency claim, so it holds on a loaded machine.
    await waitUntil(
      () => events.slice(before).some((event) => event.type === ProviderEvents.ConfigurationChanged),
      15_000,
      'configuration-changed',
    );
    const changed = events.slice(before).find((event) => event.type === ProviderEvents.ConfigurationChanged);
    expect(changed?.details?.flagsChanged).toEqual(['support-prompts']);
    for (let i = 0; i < 200; i++) {
      const details = await provider.resolveStringEvaluation('support-prompts', 'none', {
        targetingKey: `u-${i}`,
      });
      expect(details.value).toBe('2.3.1');
    }
  });

  it('keeps serving and goes stale when the daemon stops; ready and converged after a restart', async () => {
    const before = events.length;
    await daemon.stop();
    await waitUntil(
      () => events.slice(before).some((event) => event.type === ProviderEvents.Stale),
      15_000,
      'stale',
    );
    const during = await provider.resolveStringEvaluation('support-prompts', 'none', { targetingKey: 'u-1' });
    expect(during).toMatchObject({ value: '2.3.1', reason: 'SPLIT' });

    await daemon.start();
    await waitUntil(() => events.at(-1)?.type === ProviderEvents.Ready, 15_000, 'ready again');
    await daemon.putFlag(supportPrompts(25));
    const snapshot = (await (await daemon.request('GET', '/api/v1/config')).json()) as {
      revision: number | string;
    };
    await waitUntil(() => provider.revision === String(snapshot.revision), 15_000, 'converged revision');
    const remote = (await (
      await fetch(`${daemon.baseUrl}/ofrep/v1/evaluate/flags/support-prompts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ context: { targetingKey: 'u-7' } }),
      })
    ).json()) as { variant?: string };
    const local = await provider.resolveStringEvaluation('support-prompts', 'none', { targetingKey: 'u-7' });
    expect(local.variant).toBe(remote.variant);
  }, 30_000);

  it('spans exported by a real OpenTelemetry SDK carry the flag attributes, on the request span and its child', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new FlagSpanProcessor(), new SimpleSpanProcessor(exporter)],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    try {
      const domain = 'provider-e2e-otel';
      await OpenFeature.setProviderAndWait(domain, provider);
      const client = OpenFeature.getClient(domain);
      client.addHooks(new FlagSpanHook());
      const tracer = trace.getTracer('e2e');
      await tracer.startActiveSpan('POST /chat', async (span) => {
        await client.getStringValue('support-prompts', '2.3.1', { targetingKey: 'session-42' });
        tracer.startSpan('chat gpt').end();
        span.end();
      });
      const spans = exporter.getFinishedSpans();
      expect(spans).toHaveLength(2);
      for (const span of spans) {
        expect(span.attributes).toMatchObject({
          'feature_flag.key': 'support-prompts',
          'feature_flag.provider.name': 'prompt-canary',
          'feature_flag.result.reason': 'split',
          'feature_flag.version': provider.revision,
        });
        expect(['2.3.1', '2.4.0']).toContain(span.attributes['feature_flag.result.variant']);
        expect(span.events.filter((event) => event.name === 'feature_flag.evaluation')).toHaveLength(1);
      }
    } finally {
      await tracerProvider.shutdown();
      trace.disable();
      context.disable();
    }
  });
});
