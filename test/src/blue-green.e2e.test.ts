import { setTimeout as sleep } from 'node:timers/promises';
import { OpenFeature } from '@openfeature/server-sdk';
import { context, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FlagSpanHook, FlagSpanProcessor, PromptCanaryProvider } from '@prompt-canary/openfeature-provider';
import { afterEach, describe, expect, it } from 'vitest';
import { api, type DaemonProcess, startDaemon } from './daemon-process.js';

// A blue-green switch through real processes: the built canaryd at 60× (the pack's 1m interval lasts 1 s), and an
// app in this process the way one adopts Prompt Canary: our OpenFeature provider (config pushed over the sync
// stream), the span hook, and the OpenTelemetry SDK exporting OTLP/protobuf to canaryd's /v1/traces. The preview
// serves 2.0.0 to every internal user, then the switch serves it to everyone; a latency breach inside the rollback
// window must roll back within failureThreshold × interval + 1 s, and the provider serve 1.0.0 again within 1 s.

const PACK = 'support-prompts';
const OLD = '1.0.0';
const NEW = '2.0.0';
const TIME_SCALE = 60;
/** The pack's `analysis.interval` (1m) in real time under the time scale. */
const INTERVAL_MS = 60_000 / TIME_SCALE;
const FAILURE_THRESHOLD = 2;
/** Hang guards for a loaded machine, not timings. */
const WAIT_MS = 60_000;

interface TimelineEntry {
  at: string;
  to: string;
  weight: number;
  reason: string;
}

interface Rollout {
  id: string;
  phase: 'Progressing' | 'Paused' | 'Completed' | 'RolledBack';
  reason: string;
  weight: number;
  strategy?: string;
  stage?: string | null;
  stageEndsAt?: string | null;
  timeline: TimelineEntry[];
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

const HARD_LIMIT = [{ name: 'latency_p99', threshold: '3000ms', comparison: '<=', compare: false }];

function pack(
  version: string,
  rollbackWindow: string,
  options: { preview?: boolean; metrics?: unknown[] } = {},
) {
  return {
    apiVersion: 'promptcanary.dev/v1alpha1',
    kind: 'PromptPack',
    metadata: { name: PACK },
    spec: {
      version,
      rollout: {
        strategy: 'blueGreen',
        ...(options.preview === false ? {} : { preview: { segment: 'internal_users', duration: '5m' } }),
        rollbackWindow,
        analysis: {
          interval: '1m',
          failureThreshold: FAILURE_THRESHOLD,
          minSamples: 20,
          metrics: options.metrics ?? HARD_LIMIT,
        },
      },
    },
  };
}

/** The app's OpenTelemetry SDK as an adopting app sets it up: OTLP/protobuf to canaryd, exported every 100 ms. */
interface Telemetry {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

function startTelemetry(url: string, token: string): Telemetry {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'blue-green-e2e', 'service.instance.id': 'app-1' }),
    spanProcessors: [
      new FlagSpanProcessor(),
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${url}/v1/traces`, headers: { authorization: `Bearer ${token}` } }),
        { scheduledDelayMillis: 100, maxExportBatchSize: 1024, maxQueueSize: 8192 },
      ),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: trace.getTracer('blue-green-e2e'),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/** The app: provider, span hook and OTel SDK; requests from 400 units, one in ten internal. */
class App {
  slow = false;
  readonly client;
  #stopped = false;
  #loop: Promise<void> | undefined;

  private constructor(
    readonly provider: PromptCanaryProvider,
    readonly telemetry: Telemetry,
    domain: string,
  ) {
    this.client = OpenFeature.getClient(domain);
    this.client.addHooks(new FlagSpanHook());
  }

  static async start(daemon: DaemonProcess, token: string): Promise<App> {
    const telemetry = startTelemetry(daemon.url, token);
    const provider = new PromptCanaryProvider({ baseUrl: daemon.url, token });
    const domain = `blue-green-${Date.now()}`;
    await OpenFeature.setProviderAndWait(domain, provider);
    const app = new App(provider, telemetry, domain);
    cleanups.push(async () => {
      await app.stop();
      await OpenFeature.clearProviders();
      await telemetry.shutdown();
    });
    return app;
  }

  static context(unit: number) {
    return { targetingKey: `user-${unit}`, plan: unit % 10 === 0 ? 'internal' : 'free' };
  }

  /** What the provider serves `unit` now. */
  async served(unit: number): Promise<string> {
    const details = await this.provider.resolveStringEvaluation(PACK, OLD, App.context(unit));
    return details.value;
  }

  /** One request: the version is assigned first, so the span can start as long ago as that version takes. */
  async request(unit: number): Promise<void> {
    const version = await this.served(unit);
    const latencyMs = version === NEW && this.slow ? 4000 + Math.random() * 500 : 600 + Math.random() * 600;
    const end = Date.now();
    const span = this.telemetry.tracer.startSpan('support.answer', { startTime: end - latencyMs });
    await context.with(trace.setSpan(context.active(), span), () =>
      this.client.getStringValue(PACK, OLD, App.context(unit)),
    );
    span.end(end);
  }

  /** About 200 requests a second until stopped. */
  run(): void {
    let unit = 0;
    this.#loop = (async () => {
      while (!this.#stopped) {
        for (let i = 0; i < 4; i++) await this.request(unit++ % 400);
        await sleep(20);
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}

async function setUp(
  rollbackWindow: string,
  options: { preview?: boolean; metrics?: unknown[]; atRestMs?: number } = {},
): Promise<{ daemon: DaemonProcess; app: App; id: string }> {
  const daemon = await startDaemon({ args: ['--time-scale', String(TIME_SCALE)] });
  cleanups.push(() => daemon.stop());
  const { token } = await json<{ token: string }>(
    await api(daemon, '/api/v1/tokens', {
      method: 'POST',
      json: { name: 'app', scopes: ['evaluate', 'ingest'] },
    }),
  );
  await json(
    await api(daemon, '/api/v1/segments/internal_users', {
      method: 'PUT',
      json: { match: { plan: 'internal' } },
    }),
  );
  await json(
    await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack(OLD, rollbackWindow, options) }),
  );
  const app = await App.start(daemon, token);
  app.run();
  // Traffic while the pack is at rest: the old version's figures go to the pack's rolling baseline.
  if (options.atRestMs !== undefined) await sleep(options.atRestMs);
  const started = await json<{ rollout: { id: string } }>(
    await api(daemon, `/api/v1/packs/${PACK}`, { method: 'PUT', json: pack(NEW, rollbackWindow, options) }),
  );
  return { daemon, app, id: started.rollout.id };
}

const getRollout = async (daemon: DaemonProcess, id: string) =>
  json<Rollout>(await api(daemon, `/api/v1/rollouts/${id}`));

async function waitFor(daemon: DaemonProcess, id: string, done: (r: Rollout) => boolean): Promise<Rollout> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const rollout = await getRollout(daemon, id);
    if (done(rollout)) return rollout;
    if (Date.now() > deadline) {
      throw new Error(
        `rollout still ${rollout.phase}/${rollout.stage} (${rollout.reason}) at ${rollout.weight}%`,
      );
    }
    await sleep(100);
  }
}

/** Waits until the provider serves `version` to internal (0) and other (1) units alike. */
async function providerServes(app: App, version: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while ((await app.served(0)) !== version || (await app.served(1)) !== version) {
    if (Date.now() > deadline) throw new Error(`the provider never served ${version}`);
    await sleep(20);
  }
}

describe('blue-green through real processes', () => {
  it('previews to internal users, switches, and rolls back a latency breach in the window', async () => {
    const { daemon, app, id } = await setUp('1h');

    const preview = await getRollout(daemon, id);
    expect(preview).toMatchObject({ strategy: 'blueGreen', stage: 'preview', weight: 100 });
    // The preview: internal users (unit 10) on 2.0.0, everyone else (unit 11) still on 1.0.0.
    const deadline = Date.now() + WAIT_MS;
    while ((await app.served(10)) !== NEW) {
      if (Date.now() > deadline) throw new Error('internal users never previewed 2.0.0');
      await sleep(20);
    }
    expect(await app.served(11)).toBe(OLD);

    const switched = await waitFor(
      daemon,
      id,
      (r) => r.stage === 'rollbackWindow' || r.phase !== 'Progressing',
    );
    expect(switched).toMatchObject({ phase: 'Progressing', stage: 'rollbackWindow', weight: 100 });
    expect(switched.timeline.at(-1)?.reason).toContain(`switched to ${NEW} (blue-green)`);
    await providerServes(app, NEW);
    // A few healthy looks of the new version serving everyone before the breach.
    await sleep(3 * INTERVAL_MS);
    expect((await getRollout(daemon, id)).phase).toBe('Progressing');

    // Watch what the provider serves from the breach on, every 10 ms.
    let oldAgainAt: number | undefined;
    const watching = (async () => {
      while (oldAgainAt === undefined) {
        if ((await app.served(1)) === OLD && (await app.served(10)) === OLD) oldAgainAt = Date.now();
        else await sleep(10);
      }
    })();
    app.slow = true;
    const breachAt = Date.now();
    const after = await waitFor(daemon, id, (r) => r.phase !== 'Progressing');
    expect(after.phase, after.reason).toBe('RolledBack');
    expect(after.reason).toMatch(/^latency_p99 failed 2 consecutive checks \(.*\) in the rollback window$/);
    const rolledBackAt = Date.parse(after.timeline.at(-1)?.at ?? '');
    const detectMs = rolledBackAt - breachAt;
    await Promise.race([watching, sleep(WAIT_MS)]);
    expect(oldAgainAt, 'the provider never served 1.0.0 again').toBeDefined();
    const servedMs = (oldAgainAt ?? Number.NaN) - rolledBackAt;
    console.log(
      `blue-green e2e: rollback ${detectMs} ms after the breach; provider on ${OLD} ${servedMs} ms later`,
    );
    expect(detectMs).toBeLessThanOrEqual(FAILURE_THRESHOLD * INTERVAL_MS + 1_000);
    expect(servedMs).toBeLessThanOrEqual(1_000);

    const audit = await json<{ items: Array<{ action: string; reason?: string }> }>(
      await api(daemon, `/api/v1/audit?pack=${PACK}&limit=50`),
    );
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['pack.apply', 'rollout.step', 'rollout.rollback']),
    );
  }, 120_000);

  it('a healthy switch completes when its rollback window is over', async () => {
    const { daemon, app, id } = await setUp('10m');
    const switched = await waitFor(
      daemon,
      id,
      (r) => r.stage === 'rollbackWindow' || r.phase !== 'Progressing',
    );
    expect(switched.stage).toBe('rollbackWindow');
    const windowEnds = Date.parse(switched.stageEndsAt ?? '');
    const switchedAt = Date.parse(switched.timeline.at(-1)?.at ?? '');
    expect(windowEnds - switchedAt).toBe((10 * 60_000) / TIME_SCALE);
    const done = await waitFor(daemon, id, (r) => r.phase !== 'Progressing');
    expect(done.phase, done.reason).toBe('Completed');
    expect(done.stage).toBeNull();
    expect(done.reason).toContain('rollback window over (10m)');
    expect(Date.parse(done.timeline.at(-1)?.at ?? '')).toBeGreaterThanOrEqual(windowEnds);
    await providerServes(app, NEW);
  }, 120_000);

  it('a switch without a preview is compared with the baseline kept at rest; a regression rolls back', async () => {
    const metrics = [{ name: 'latency_p99', maxIncrease: '20%' }];
    const { daemon, app, id } = await setUp('1h', { preview: false, metrics, atRestMs: 5_000 });
    const started = await getRollout(daemon, id);
    expect(started).toMatchObject({ strategy: 'blueGreen', stage: 'rollbackWindow', weight: 100 });
    expect(started.timeline[0]?.reason).toBe(`switched to ${NEW} from ${OLD} (blue-green): rollback window`);
    app.slow = true;
    const after = await waitFor(daemon, id, (r) => r.phase !== 'Progressing');
    expect(after.phase, after.reason).toBe('RolledBack');
    expect(after.reason).toMatch(
      /^latency_p99 failed 2 consecutive checks \(.*vs 1\.0\.0 before the switch.*before\/after.*\) in the rollback window$/,
    );
    const analysis = await json<{ stage: string | null; comparisons: { before?: { from: string } } | null }>(
      await api(daemon, `/api/v1/rollouts/${id}/analysis`),
    );
    expect(analysis.stage).toBeNull();
    await providerServes(app, OLD);
  }, 120_000);
});
