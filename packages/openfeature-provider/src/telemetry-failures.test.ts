import { type Logger, OpenFeature } from '@openfeature/server-sdk';
import { context, metrics, propagation, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSIGNMENTS_BAGGAGE_ENTRY, withAssignments } from './assignment-baggage.js';
import { DOWNSTREAM_REJECTED_METRIC, DownstreamSpanProcessor } from './downstream-span-processor.js';
import { FEATURE_FLAG_EVALUATION_EVENT } from './feature-flag-attributes.js';
import { FlagSpanHook } from './flag-span-hook.js';
import { FlagSpanProcessor } from './flag-span-processor.js';
import { PromptCanaryProvider } from './prompt-canary-provider.js';
import { PROVIDER_METER_NAME, TELEMETRY_FAILURES_METRIC } from './telemetry-failures.js';

/** A reader collected on demand. */
class OnDemandReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const reader = new OnDemandReader();
const contextManager = new AsyncLocalStorageContextManager();

/** The failures counter's value for `component`, as the app's metrics SDK would export it. */
async function failuresOf(component: string): Promise<number> {
  const { resourceMetrics } = await reader.collect();
  const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === PROVIDER_METER_NAME);
  const metric = scope?.metrics.find((m) => m.descriptor.name === TELEMETRY_FAILURES_METRIC);
  const point = metric?.dataPoints.find((p) => p.attributes.component === component);
  return (point?.value as number | undefined) ?? 0;
}

/** The downstream processor's rejected-pairs counter, as exported. */
async function rejectedPairs(): Promise<number> {
  const { resourceMetrics } = await reader.collect();
  const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === PROVIDER_METER_NAME);
  const metric = scope?.metrics.find((m) => m.descriptor.name === DOWNSTREAM_REJECTED_METRIC);
  return (metric?.dataPoints[0]?.value as number | undefined) ?? 0;
}

/** An OpenFeature logger that keeps its warnings. */
function recordingLogger(): Logger & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  return {
    warnings,
    error: () => {},
    warn: (...args: unknown[]) => warnings.push(args),
    info: () => {},
    debug: () => {},
  };
}

/** A recording span that throws on every write, as a broken or incompatible SDK span might. */
function brokenSpan(parentEvents?: unknown): Span {
  const fail = () => {
    throw new Error('span write refused');
  };
  const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
  return Object.assign(Object.create(span) as Span, {
    isRecording: () => true,
    setAttributes: fail,
    setAttribute: fail,
    addEvent: fail,
    ...(parentEvents === undefined ? {} : { events: parentEvents }),
  });
}

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});

afterAll(async () => {
  metrics.disable();
  context.disable();
  await OpenFeature.close();
});

describe('span stamping failures are counted and reported once, never thrown', () => {
  it('the hook: a span that refuses writes is counted per evaluation and warned about once through the SDK logger', async () => {
    const domain = 'telemetry-failures-hook';
    await OpenFeature.setProviderAndWait(
      domain,
      new PromptCanaryProvider({
        offline: true,
        bootstrap: {
          schemaVersion: 1,
          revision: 1,
          flags: {
            greeting: { key: 'greeting', state: 'ENABLED', variants: { a: 'A' }, defaultVariant: 'a' },
          },
        },
      }),
    );
    const hook = new FlagSpanHook();
    const logger = recordingLogger();
    const client = OpenFeature.getClient(domain);
    client.addHooks(hook);
    client.setLogger(logger);
    const before = await failuresOf('span_hook');

    const values = await context.with(trace.setSpan(context.active(), brokenSpan()), async () => [
      await client.getStringValue('greeting', 'default', { targetingKey: 'u1' }),
      await client.getStringValue('greeting', 'default', { targetingKey: 'u2' }),
      await client.getStringValue('greeting', 'default', { targetingKey: 'u3' }),
    ]);

    expect(values).toEqual(['A', 'A', 'A']);
    expect(hook.failures).toBe(3);
    expect((await failuresOf('span_hook')) - before).toBe(3);
    expect(logger.warnings).toHaveLength(1);
    expect(String(logger.warnings[0]?.[0])).toContain(TELEMETRY_FAILURES_METRIC);
    expect(logger.warnings[0]?.[1]).toMatchObject({ message: 'span write refused' });
  });

  it('the processor: a child it cannot stamp is counted and warned about once; the span still starts', async () => {
    const logger = recordingLogger();
    const processor = new FlagSpanProcessor({ logger });
    const parentEvents = [
      { name: FEATURE_FLAG_EVALUATION_EVENT, attributes: { 'feature_flag.key': 'greeting' } },
    ];
    const parent = trace.setSpan(ROOT_CONTEXT, brokenSpan(parentEvents));
    const before = await failuresOf('span_processor');

    processor.onStart(brokenSpan(), parent);
    processor.onStart(brokenSpan(), parent);

    expect(processor.failures).toBe(2);
    expect((await failuresOf('span_processor')) - before).toBe(2);
    expect(logger.warnings).toHaveLength(1);

    // A real SDK span through the same processor is stamped, and counts nothing more.
    const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('t');
    const realParent = tracer.startSpan('parent');
    realParent.addEvent(FEATURE_FLAG_EVALUATION_EVENT, { 'feature_flag.key': 'greeting' });
    const child = tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, realParent));
    expect((child as unknown as { attributes: Record<string, unknown> }).attributes['feature_flag.key']).toBe(
      'greeting',
    );
    expect(processor.failures).toBe(2);
  });

  it('the downstream processor: failures and unusable baggage pairs are counted on the meter, warned about once', async () => {
    const logger = recordingLogger();
    const processor = new DownstreamSpanProcessor({ logger });
    const ctx = withAssignments(ROOT_CONTEXT, [{ flagKey: 'greeting', variant: 'v2' }]);
    const before = await failuresOf('downstream_processor');
    processor.onStart(brokenSpan(), ctx);
    processor.onStart(brokenSpan(), ctx);
    expect(processor.failures).toBe(2);
    expect((await failuresOf('downstream_processor')) - before).toBe(2);

    const bad = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({ [ASSIGNMENTS_BAGGAGE_ENTRY]: { value: 'greeting=v2,nonsense,=v3' } }),
    );
    const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('t');
    tracer.startSpan('request', {}, bad).end();
    tracer.startSpan('request', {}, bad).end();
    expect(processor.rejected).toBe(4);
    expect(await rejectedPairs()).toBe(4);
    expect(processor.failures).toBe(2);
    // One warning for the failures, one for the unusable pairs.
    expect(logger.warnings).toHaveLength(2);
  });

  it('counts without a metrics SDK registered (the no-op meter) and without a logger that works', () => {
    metrics.disable();
    const processor = new FlagSpanProcessor({
      logger: {
        ...recordingLogger(),
        warn: () => {
          throw new Error('logger down');
        },
      },
    });
    const parent = trace.setSpan(
      ROOT_CONTEXT,
      brokenSpan([{ name: FEATURE_FLAG_EVALUATION_EVENT, attributes: {} }]),
    );
    expect(() => processor.onStart(brokenSpan(), parent)).not.toThrow();
    expect(processor.failures).toBe(1);
  });
});
