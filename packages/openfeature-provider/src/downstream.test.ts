import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, OpenFeature } from '@openfeature/server-sdk';
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ASSIGNMENTS_BAGGAGE_ENTRY,
  formatAssignments,
  MAX_ASSIGNMENT_PAIRS,
  PROMPTCANARY_DOWNSTREAM,
  parseAssignments,
  withAssignments,
} from './assignment-baggage.js';
import { AssignmentBaggagePropagator } from './assignment-baggage-propagator.js';
import { DownstreamSpanProcessor } from './downstream-span-processor.js';
import { FlagSpanHook } from './flag-span-hook.js';
import { FlagSpanProcessor } from './flag-span-processor.js';
import { getPrompt } from './get-prompt.js';
import { PromptCanaryProvider } from './prompt-canary-provider.js';

const contextManager = new AsyncLocalStorageContextManager();

/** The app: evaluates flags, stamps its spans, sends the opted-in assignments downstream. */
const appExporter = new InMemorySpanExporter();
const appTracing = new BasicTracerProvider({
  spanProcessors: [new FlagSpanProcessor(), new SimpleSpanProcessor(appExporter)],
});
const appTracer = appTracing.getTracer('app');

/** A downstream service: evaluates no flag; its spans take the assignments from baggage. */
const serviceExporter = new InMemorySpanExporter();
const downstream = new DownstreamSpanProcessor({ logger: silentLogger() });
const serviceTracing = new BasicTracerProvider({
  spanProcessors: [downstream, new SimpleSpanProcessor(serviceExporter)],
});
const serviceTracer = serviceTracing.getTracer('service');

const domain = 'downstream-test';
const client = OpenFeature.getClient(domain);

function silentLogger(): Logger & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  return {
    warnings,
    error: () => {},
    warn: (...args) => warnings.push(args),
    info: () => {},
    debug: () => {},
  };
}

/** A split flag per key, and the companion content flag of `support-prompts`. */
function offlineProvider(): PromptCanaryProvider {
  const split = (key: string, variants: [string, string]) => ({
    key,
    state: 'ENABLED' as const,
    variants: { [variants[0]]: variants[0], [variants[1]]: variants[1] },
    defaultVariant: variants[0],
    rules: [
      {
        serve: {
          split: {
            seed: key,
            arms: [
              { variant: variants[1], weight: 50 },
              { variant: variants[0], weight: 50 },
            ],
          },
        },
      },
    ],
  });
  return new PromptCanaryProvider({
    offline: true,
    bootstrap: {
      schemaVersion: 1,
      revision: 7,
      flags: {
        'support-prompts': { ...split('support-prompts', ['2.3.1', '2.4.0']) },
        'tenant-prompts': split('tenant-prompts', ['1.0.0', '1.1.0']),
        'support-prompts.content': {
          ...split('support-prompts', ['2.3.1', '2.4.0']),
          key: 'support-prompts.content',
          variants: {
            '2.3.1': { version: '2.3.1', prompts: { system: { text: 'OLD' } }, model: null, attributes: {} },
            '2.4.0': { version: '2.4.0', prompts: { system: { text: 'NEW' } }, model: null, attributes: {} },
          },
          metadata: { bundleOf: 'support-prompts' },
        },
      },
    },
  });
}

/** The headers a client instrumentation would send: inject under a client span started in the active context. */
function outgoingHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const clientSpan = appTracer.startSpan('POST /parse', { kind: SpanKind.CLIENT });
  propagation.inject(trace.setSpan(context.active(), clientSpan), headers);
  clientSpan.end();
  return headers;
}

/** The `promptcanary.assignments` entry of a `baggage` header, as a receiving service's propagator reads it. */
function entryOf(headers: Record<string, string>): string | undefined {
  const ctx = new W3CBaggagePropagator().extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => (carrier as Record<string, string>)[key],
    keys: (carrier) => Object.keys(carrier as object),
  });
  return propagation.getBaggage(ctx)?.getEntry(ASSIGNMENTS_BAGGAGE_ENTRY)?.value;
}

/** The variant the app's hook stamped for `flagKey` on the span named `name`. */
function stampedVariant(name: string, flagKey: string): unknown {
  const span = appExporter.getFinishedSpans().find((s) => s.name === name);
  const event = span?.events.find((e) => e.attributes?.['feature_flag.key'] === flagKey);
  return event?.attributes?.['feature_flag.result.variant'];
}

const byName = (spans: ReadableSpan[]) => new Map(spans.map((span) => [span.name, span]));

beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new AssignmentBaggagePropagator({ flags: ['support-prompts'] }),
      ],
    }),
  );
  await OpenFeature.setProviderAndWait(domain, offlineProvider());
  client.addHooks(new FlagSpanHook());
});

afterAll(async () => {
  await OpenFeature.clearProviders();
  await appTracing.shutdown();
  await serviceTracing.shutdown();
  propagation.disable();
  context.disable();
});

beforeEach(() => {
  appExporter.reset();
  serviceExporter.reset();
});

describe('AssignmentBaggagePropagator', () => {
  it('sends the opted-in flag, not the others, and never the evaluation context', async () => {
    const headers = await appTracer.startActiveSpan('request', async (span) => {
      const evaluation = { targetingKey: 'session-4f2a', email: 'ada@example.com', tenant_id: 'acme' };
      await client.getStringValue('support-prompts', '0.0.0', evaluation);
      await client.getStringValue('tenant-prompts', '0.0.0', evaluation);
      const sent = outgoingHeaders();
      span.end();
      return sent;
    });
    const variant = stampedVariant('request', 'support-prompts');
    expect(['2.3.1', '2.4.0']).toContain(variant);
    expect(entryOf(headers)).toBe(`support-prompts=${variant}`);
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    for (const secret of ['tenant-prompts', 'session-4f2a', 'ada', 'acme', 'targetingKey']) {
      expect(headers.baggage).not.toContain(secret);
    }
  });

  it('sends nothing when no opted-in flag was evaluated in the request', async () => {
    const headers = await appTracer.startActiveSpan('request', async (span) => {
      await client.getStringValue('tenant-prompts', '0.0.0', { targetingKey: 'u' });
      const sent = outgoingHeaders();
      span.end();
      return sent;
    });
    expect(stampedVariant('request', 'tenant-prompts')).toBeDefined();
    expect(headers.baggage).toBeUndefined();
  });

  it("keeps the context's other baggage entries and an upstream service's assignments", async () => {
    const upstream = propagation.createBaggage({
      tenant: { value: 'acme' },
      [ASSIGNMENTS_BAGGAGE_ENTRY]: {
        value: formatAssignments([{ flagKey: 'router-prompts', variant: '3.0.0' }]),
      },
    });
    const headers = await context.with(propagation.setBaggage(context.active(), upstream), () =>
      appTracer.startActiveSpan('request', async (span) => {
        await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'unit-9' });
        const sent = outgoingHeaders();
        span.end();
        return sent;
      }),
    );
    const variant = stampedVariant('request', 'support-prompts');
    expect(entryOf(headers)).toBe(`router-prompts=3.0.0,support-prompts=${variant}`);
    expect(headers.baggage).toContain('tenant=acme');
  });

  it("sends a pack's version when the app reads its prompts through the companion key", async () => {
    const headers = await appTracer.startActiveSpan('request', async (span) => {
      const { version } = await getPrompt(client, 'support-prompts', { targetingKey: 'unit-3' });
      const sent = outgoingHeaders();
      span.end();
      return { sent, version };
    });
    expect(entryOf(headers.sent)).toBe(`support-prompts=${headers.version}`);
  });

  it('works with a plain propagation.inject in the span that evaluated the flag', async () => {
    const headers: Record<string, string> = {};
    await appTracer.startActiveSpan('request', async (span) => {
      await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'unit-5' });
      propagation.inject(context.active(), headers);
      span.end();
    });
    expect(entryOf(headers)).toBe(`support-prompts=${stampedVariant('request', 'support-prompts')}`);
  });

  it('counts a failure and still sends the baggage it has, never throwing into the call', () => {
    const propagator = new AssignmentBaggagePropagator({
      flags: ['support-prompts'],
      logger: silentLogger(),
    });
    const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
    const broken = Object.defineProperty(Object.create(span), 'events', {
      get() {
        throw new Error('no events here');
      },
    }) as Span;
    const ctx = propagation.setBaggage(
      trace.setSpan(ROOT_CONTEXT, broken),
      propagation.createBaggage({ tenant: { value: 'acme' } }),
    );
    const headers: Record<string, string> = {};
    expect(() =>
      propagator.inject(ctx, headers, { set: (c, k, v) => Object.assign(c as object, { [k]: v }) }),
    ).not.toThrow();
    expect(headers.baggage).toBe('tenant=acme');
    expect(propagator.failures).toBe(1);
  });

  it('leaves the entry set by hand with withAssignments to the stock W3C baggage propagator', () => {
    const headers: Record<string, string> = {};
    const ctx = withAssignments(ROOT_CONTEXT, [
      { flagKey: 'support-prompts', variant: '2.4.0' },
      { flagKey: 'tenant-prompts', variant: '1.1.0' },
    ]);
    new W3CBaggagePropagator().inject(ctx, headers, {
      set: (carrier, key, value) => Object.assign(carrier as object, { [key]: value }),
    });
    expect(entryOf(headers)).toBe('support-prompts=2.4.0,tenant-prompts=1.1.0');
    expect(parseAssignments(entryOf(headers)).assignments).toEqual([
      { flagKey: 'support-prompts', variant: '2.4.0' },
      { flagKey: 'tenant-prompts', variant: '1.1.0' },
    ]);
  });

  it('refuses flags that are not a list of keys, naming the option', () => {
    expect(() => new AssignmentBaggagePropagator({ flags: 'support-prompts' as never })).toThrow(/`flags`/);
    expect(() => new AssignmentBaggagePropagator({ flags: ['ok', 'not a key'] })).toThrow(/`flags\[1\]`/);
  });
});

describe('the promptcanary.assignments value', () => {
  it('URL-encodes each key and variant, and reads back what it wrote', () => {
    const assignments = [
      { flagKey: 'team/support:prompts', variant: '2.4.0+build,1' },
      { flagKey: 'b', variant: 'x=y é' },
    ];
    const value = formatAssignments(assignments);
    expect(value).toBe('team%2Fsupport%3Aprompts=2.4.0%2Bbuild%2C1,b=x%3Dy%20%C3%A9');
    expect(parseAssignments(value)).toEqual({ assignments, rejected: 0 });
  });

  it('skips and counts what it cannot use, never throwing', () => {
    const parsed = parseAssignments(' a=1 , broken, =2, c=, %E0%A4%A=1, not a key!=1, d=%ZZ, e=2 ');
    expect(parsed.assignments).toEqual([
      { flagKey: 'a', variant: '1' },
      { flagKey: 'e', variant: '2' },
    ]);
    expect(parsed.rejected).toBe(6);
    expect(parseAssignments(`k=${'v'.repeat(300)}`)).toEqual({ assignments: [], rejected: 1 });
    expect(parseAssignments('x'.repeat(5000))).toEqual({ assignments: [], rejected: 1 });
    expect(parseAssignments(42)).toEqual({ assignments: [], rejected: 1 });
    expect(parseAssignments(undefined)).toEqual({ assignments: [], rejected: 0 });
  });

  it(`keeps at most ${MAX_ASSIGNMENT_PAIRS} pairs`, () => {
    const many = Array.from({ length: MAX_ASSIGNMENT_PAIRS + 8 }, (_, i) => `flag-${i}=v${i}`).join(',');
    const parsed = parseAssignments(many);
    expect(parsed.assignments).toHaveLength(MAX_ASSIGNMENT_PAIRS);
    expect(parsed.rejected).toBe(8);
    const written = formatAssignments(
      Array.from({ length: MAX_ASSIGNMENT_PAIRS + 8 }, (_, i) => ({
        flagKey: `flag-${i}`,
        variant: `v${i}`,
      })),
    );
    expect(written.split(',')).toHaveLength(MAX_ASSIGNMENT_PAIRS);
  });
});

describe('DownstreamSpanProcessor', () => {
  /** Runs a "request" of the service under a context extracted from `headers`, with a child and a grandchild. */
  function serveRequest(headers: Record<string, string>): void {
    const incoming = propagation.extract(ROOT_CONTEXT, headers);
    const server = serviceTracer.startSpan('POST /parse', { kind: SpanKind.SERVER }, incoming);
    context.with(trace.setSpan(incoming, server), () => {
      serviceTracer.startActiveSpan('parse answer', (child) => {
        serviceTracer.startSpan('db query').end();
        child.end();
      });
    });
    server.end();
  }

  it('stamps the request span and marks the local children inherited', () => {
    const value = formatAssignments([
      { flagKey: 'tenant-prompts', variant: '1.1.0' },
      { flagKey: 'support-prompts', variant: '2.4.0' },
    ]);
    serveRequest({
      traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
      baggage: `${ASSIGNMENTS_BAGGAGE_ENTRY}=${encodeURIComponent(value)}`,
    });
    const spans = byName(serviceExporter.getFinishedSpans());
    const request = spans.get('POST /parse');
    // The attributes of the last pair, as the hook keeps the last evaluation; one event per pair.
    expect(request?.attributes).toEqual({
      'feature_flag.key': 'support-prompts',
      'feature_flag.result.variant': '2.4.0',
      [PROMPTCANARY_DOWNSTREAM]: true,
    });
    expect(request?.events.map((e) => e.attributes)).toEqual([
      {
        'feature_flag.key': 'tenant-prompts',
        'feature_flag.result.variant': '1.1.0',
        [PROMPTCANARY_DOWNSTREAM]: true,
      },
      {
        'feature_flag.key': 'support-prompts',
        'feature_flag.result.variant': '2.4.0',
        [PROMPTCANARY_DOWNSTREAM]: true,
      },
    ]);
    for (const name of ['parse answer', 'db query']) {
      const span = spans.get(name);
      expect(span?.attributes).toEqual({ ...request?.attributes, 'feature_flag.inherited': true });
      expect(span?.events.map((e) => e.attributes)).toEqual(
        request?.events.map((e) => ({ ...e.attributes, 'feature_flag.inherited': true })),
      );
    }
  });

  it('stamps a root span that starts with the assignments in its context (no parent at all)', () => {
    const ctx = withAssignments(ROOT_CONTEXT, [{ flagKey: 'support-prompts', variant: '2.3.1' }]);
    serviceTracer.startSpan('job', {}, ctx).end();
    const [span] = serviceExporter.getFinishedSpans();
    expect(span?.attributes['feature_flag.result.variant']).toBe('2.3.1');
    expect(span?.attributes[PROMPTCANARY_DOWNSTREAM]).toBe(true);
  });

  it('leaves a local span alone whose parent is not stamped, baggage or not', () => {
    serviceTracer.startActiveSpan('plain request', (parent) => {
      const ctx = withAssignments(context.active(), [{ flagKey: 'support-prompts', variant: '2.4.0' }]);
      context.with(ctx, () => serviceTracer.startSpan('outgoing call').end());
      parent.end();
    });
    for (const span of serviceExporter.getFinishedSpans()) {
      expect(span.events).toHaveLength(0);
      expect(span.attributes).toEqual({});
    }
  });

  it('counts malformed baggage, stamps the usable pairs and never throws', () => {
    const before = downstream.rejected;
    expect(() =>
      serveRequest({
        traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01`,
        baggage: `${ASSIGNMENTS_BAGGAGE_ENTRY}=${encodeURIComponent('oops,support-prompts=2.4.0,=x,%E0%A4%A=1')}`,
      }),
    ).not.toThrow();
    expect(downstream.rejected - before).toBe(3);
    const request = byName(serviceExporter.getFinishedSpans()).get('POST /parse');
    expect(request?.events.map((e) => e.attributes?.['feature_flag.key'])).toEqual(['support-prompts']);
    expect(downstream.failures).toBe(0);
  });

  it('counts a span it cannot stamp and lets it start', () => {
    const processor = new DownstreamSpanProcessor({ logger: silentLogger() });
    const span = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
    const refusing = Object.assign(Object.create(span) as Span, {
      addEvent: () => {
        throw new Error('span write refused');
      },
    });
    const ctx = withAssignments(ROOT_CONTEXT, [{ flagKey: 'support-prompts', variant: '2.4.0' }]);
    expect(() => processor.onStart(refusing, ctx)).not.toThrow();
    expect(processor.failures).toBe(1);
  });

  it('beside FlagSpanProcessor, copies the downstream events once and the local evaluations once', async () => {
    const exporter = new InMemorySpanExporter();
    const both = new BasicTracerProvider({
      spanProcessors: [
        new FlagSpanProcessor(),
        new DownstreamSpanProcessor(),
        new SimpleSpanProcessor(exporter),
      ],
    });
    const tracer = both.getTracer('both');
    const incoming = withAssignments(ROOT_CONTEXT, [{ flagKey: 'router-prompts', variant: '3.0.0' }]);
    await context.with(incoming, () =>
      tracer.startActiveSpan('request', async (span) => {
        await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'unit-1' });
        tracer.startSpan('child').end();
        span.end();
      }),
    );
    const child = byName(exporter.getFinishedSpans()).get('child');
    const events = child?.events.map((e) => [
      e.attributes?.['feature_flag.key'],
      e.attributes?.[PROMPTCANARY_DOWNSTREAM],
    ]);
    expect(events?.sort()).toEqual([
      ['router-prompts', true],
      ['support-prompts', undefined],
    ]);
    await both.shutdown();
  });
});

describe('two services over HTTP', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // The downstream service: extracts the incoming trace context and baggage, as an HTTP server instrumentation does.
    server = createServer((req: IncomingMessage, res) => {
      const incoming = propagation.extract(ROOT_CONTEXT, req.headers);
      const span = serviceTracer.startSpan(`${req.method} /parse`, { kind: SpanKind.SERVER }, incoming);
      context.with(trace.setSpan(incoming, span), () => {
        serviceTracer.startSpan('parse answer').end();
      });
      span.end();
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/parse`;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it("carries the app's opted-in assignment to the service's spans, under the same trace", async () => {
    const sent = await appTracer.startActiveSpan('handle chat', async (span) => {
      await client.getStringValue('support-prompts', '0.0.0', { targetingKey: 'session-77' });
      await client.getStringValue('tenant-prompts', '0.0.0', { targetingKey: 'session-77' });
      const headers = outgoingHeaders();
      const response = await fetch(url, { method: 'POST', headers, body: 'answer' });
      await response.text();
      span.end();
      return span.spanContext().traceId;
    });
    const variant = stampedVariant('handle chat', 'support-prompts');
    const spans = byName(serviceExporter.getFinishedSpans());
    const request = spans.get('POST /parse');
    expect(request?.spanContext().traceId).toBe(sent);
    expect(request?.attributes).toEqual({
      'feature_flag.key': 'support-prompts',
      'feature_flag.result.variant': variant,
      [PROMPTCANARY_DOWNSTREAM]: true,
    });
    expect(spans.get('parse answer')?.attributes).toMatchObject({
      'feature_flag.key': 'support-prompts',
      'feature_flag.inherited': true,
      [PROMPTCANARY_DOWNSTREAM]: true,
    });
    const keys = [...spans.values()].flatMap((s) => s.events.map((e) => e.attributes?.['feature_flag.key']));
    expect(keys).not.toContain('tenant-prompts');
  });
});
