import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IngestSink, OtlpMetricPoint, OtlpSpan, SpanWriter } from './ingest-sink.js';
import { InMemoryOtlpIngestCounters } from './otlp-ingest-counters.js';
import { registerOtlpRoutes } from './otlp-routes.js';

/** A sink that keeps what it is given. */
class RecordingSink implements IngestSink {
  spans: OtlpSpan[] = [];
  points: OtlpMetricPoint[] = [];
  openSpans(): SpanWriter {
    const pending: OtlpSpan[] = [];
    return {
      add: (span) => pending.push(span),
      commit: () => {
        this.spans.push(...pending);
      },
    };
  }
  acceptMetricPoints(points: readonly OtlpMetricPoint[]): void {
    this.points.push(...points);
  }
}

const sink = new RecordingSink();
const counters = new InMemoryOtlpIngestCounters();
let server: ReturnType<typeof serve>;
let baseUrl = '';

beforeAll(async () => {
  const app = new Hono();
  registerOtlpRoutes(app, { sink, counters, now: () => Date.now() });
  await new Promise<void>((ready) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
});

beforeEach(() => {
  sink.spans = [];
  sink.points = [];
});

type Compression = NonNullable<
  NonNullable<ConstructorParameters<typeof ProtoTraceExporter>[0]>['compression']
>;
const START_MS = 1_700_000_000_000;

/** Spans made by the real SDK: one with flag attributes, one with a flag event only, one without a flag. */
function makeSpans(): { spans: ReadableSpan[]; flagged: ReadableSpan; evented: ReadableSpan } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot', 'host.name': 'h1' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('test');
  const flagged = tracer.startSpan('chat gpt-x', {
    startTime: START_MS,
    attributes: {
      'feature_flag.key': 'support-prompt',
      'feature_flag.result.variant': 'canary',
      'gen_ai.request.model': 'gpt-x',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 48,
      'app.cost_usd': 0.0125,
      'app.tool_call.correct': true,
      'app.tags': ['a', 'b'],
      'gen_ai.prompt.0.content': 'the user said something private',
      'gen_ai.completion.0.content': 'the model answered',
      'gen_ai.input.messages': '[{"role":"user"}]',
      'gen_ai.output.messages': '[{"role":"assistant"}]',
    },
  });
  flagged.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
  flagged.end(START_MS + 1234.5);
  const evented = tracer.startSpan('handle request', { startTime: START_MS });
  evented.addEvent('feature_flag.evaluation', {
    'feature_flag.key': 'support-prompt',
    'feature_flag.result.variant': 'stable',
    'feature_flag.result.reason': 'SPLIT',
  });
  evented.end(START_MS + 80);
  tracer
    .startSpan('unflagged', { startTime: START_MS, attributes: { 'http.route': '/x' } })
    .end(START_MS + 5);
  return {
    spans: memory.getFinishedSpans(),
    flagged: memory.getFinishedSpans()[0]!,
    evented: memory.getFinishedSpans()[1]!,
  };
}

function exportSpans(
  exporter: SpanExporter,
  spans: ReadableSpan[],
): Promise<{ code: number; error?: Error }> {
  return new Promise((done) => exporter.export(spans, done));
}

describe.each([
  ['protobuf', 'none'],
  ['protobuf', 'gzip'],
  ['json', 'none'],
  ['json', 'gzip'],
] as const)('spans from the real %s exporter (compression %s)', (encoding, compression) => {
  it('arrive with their attributes, duration and status; unflagged spans are counted and dropped', async () => {
    const Exporter = encoding === 'protobuf' ? ProtoTraceExporter : JsonTraceExporter;
    const exporter = new Exporter({ url: `${baseUrl}/v1/traces`, compression: compression as Compression });
    const { spans, flagged, evented } = makeSpans();
    const ignoredBefore = counters.get('spans', 'ignored');

    const result = await exportSpans(exporter, spans);
    await exporter.shutdown();

    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
    expect(counters.get('spans', 'ignored') - ignoredBefore).toBe(1);
    expect(sink.spans).toHaveLength(2);
    const [a, b] = sink.spans as [OtlpSpan, OtlpSpan];
    expect(a).toMatchObject({
      traceId: flagged.spanContext().traceId,
      spanId: flagged.spanContext().spanId,
      parentSpanId: '',
      name: 'chat gpt-x',
      error: true,
      startMs: START_MS,
      flagEvaluations: [],
    });
    expect(a.durationMs).toBeCloseTo(1234.5, 3);
    expect(a.endMs - a.startMs).toBeCloseTo(1234.5, 3);
    expect(a.attributes).toEqual({
      'service.name': 'support-bot',
      'feature_flag.key': 'support-prompt',
      'feature_flag.result.variant': 'canary',
      'gen_ai.request.model': 'gpt-x',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 48,
      'app.cost_usd': 0.0125,
      'app.tool_call.correct': true,
      'app.tags': '["a","b"]',
    });
    expect(b).toMatchObject({ spanId: evented.spanContext().spanId, error: false, durationMs: 80 });
    expect(b.attributes).toEqual({ 'service.name': 'support-bot' });
    expect(b.flagEvaluations).toEqual([
      {
        'feature_flag.key': 'support-prompt',
        'feature_flag.result.variant': 'stable',
        'feature_flag.result.reason': 'SPLIT',
      },
    ]);
  });
});

async function collectTwice(
  exporter: PushMetricExporter,
  record: (round: number, meter: ReturnType<MeterProvider['getMeter']>) => void,
): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'collector', 'service.instance.id': 'i-1' }),
    readers: [reader],
  });
  const meter = provider.getMeter('spanmetrics');
  for (const round of [1, 2]) {
    record(round, meter);
    await reader.forceFlush();
  }
  await provider.shutdown();
}

/** What the span-metrics connector emits: `calls` and `duration` with flag dimensions. */
function spanMetrics(exporterMeter: ReturnType<MeterProvider['getMeter']>) {
  return {
    calls: exporterMeter.createCounter('calls'),
    duration: exporterMeter.createHistogram('duration', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [100, 1000] },
    }),
  };
}

describe.each([
  ['protobuf', 'none'],
  ['protobuf', 'gzip'],
  ['json', 'none'],
  ['json', 'gzip'],
] as const)('metric points from the real %s exporter (compression %s)', (encoding, compression) => {
  const Exporter = encoding === 'protobuf' ? ProtoMetricExporter : JsonMetricExporter;
  const canary = { 'feature_flag.key': 'support-prompt', 'feature_flag.result.variant': 'canary' };

  it('turn cumulative sums and histograms into deltas per series', async () => {
    const exporter = new Exporter({ url: `${baseUrl}/v1/metrics`, compression: compression as Compression });
    let instruments: ReturnType<typeof spanMetrics> | undefined;
    await collectTwice(exporter, (round, meter) => {
      instruments ??= spanMetrics(meter);
      if (round === 1) {
        instruments.calls.add(3, canary);
        instruments.calls.add(7, { 'http.route': '/no-flag' });
        instruments.duration.record(50, canary);
        instruments.duration.record(500, canary);
      } else {
        instruments.calls.add(2, canary);
        instruments.duration.record(5000, canary);
      }
    });

    const calls = sink.points.filter((p) => p.metric === 'calls');
    expect(calls.map((p) => (p.kind === 'sum' ? [p.value, p.temporality, p.monotonic] : p.kind))).toEqual([
      [3, 'delta', true],
      [2, 'delta', true],
      // The SDK exports once more on shutdown: nothing new happened.
      [0, 'delta', true],
    ]);
    expect(calls[0]?.attributes).toEqual({
      'service.name': 'collector',
      'service.instance.id': 'i-1',
      ...canary,
    });
    const durations = sink.points.filter((p) => p.kind === 'histogram');
    expect(durations.map((p) => (p.kind === 'histogram' ? [p.count, p.sum, p.bucketCounts] : []))).toEqual([
      [2, 550, [1, 1, 0]],
      [1, 5000, [0, 0, 1]],
      [0, 0, [0, 0, 0]],
    ]);
    expect(durations[0]).toMatchObject({ metric: 'duration', unit: 'ms', explicitBounds: [100, 1000] });
  });

  it('pass delta temporality through', async () => {
    const exporter = new Exporter({
      url: `${baseUrl}/v1/metrics`,
      compression: compression as Compression,
      temporalityPreference: AggregationTemporality.DELTA,
    });
    await collectTwice(exporter, (round, meter) => {
      meter.createCounter(`delta_calls`).add(round * 10, canary);
    });
    const values = sink.points.map((p) => (p.kind === 'sum' ? [p.value, p.temporality] : p.kind));
    expect(values).toEqual([
      [10, 'delta'],
      [20, 'delta'],
    ]);
  });
});
