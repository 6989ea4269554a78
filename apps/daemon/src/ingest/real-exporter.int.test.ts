import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDaemon, type TestDaemon } from '../testing/test-daemon.js';
import { PACK, startRollout } from './testing/live-rollout.js';

let d: TestDaemon;
let server: ReturnType<typeof serve>;
let baseUrl = '';

beforeAll(async () => {
  d = createTestDaemon();
  await new Promise<void>((ready) => {
    server = serve({ fetch: d.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  await d.close();
});

describe('spans from the real OTLP/protobuf exporter', () => {
  it('show up as per-arm numbers in the analysis API', async () => {
    const id = await startRollout(d);
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('test');
    const start = d.clock.now();
    for (let i = 0; i < 20; i++) {
      const variant = i < 5 ? '2.4.0' : '2.3.1';
      const span = tracer.startSpan('chat', {
        startTime: start + i,
        attributes: {
          'feature_flag.key': PACK,
          'feature_flag.result.variant': variant,
          'feature_flag.result.reason': 'split',
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.usage.output_tokens': 5,
        },
      });
      if (i === 0) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(start + i + 250);
    }
    const exporter = new OTLPTraceExporter({
      url: `${baseUrl}/v1/traces`,
      headers: { Authorization: `Bearer ${d.tokens.ingest}` },
    });
    const result = await new Promise<{ code: number; error?: Error }>((done) =>
      exporter.export(memory.getFinishedSpans(), done),
    );
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
    await exporter.shutdown();
    const a = await (
      await d.request(`/api/v1/rollouts/${id}/analysis?window=rollout`, { as: 'read' })
    ).json();
    expect(a.arms.canary).toMatchObject({ n: 5, metrics: { success_rate: 0.8, tokens_per_request: 15 } });
    expect(a.arms.stable).toMatchObject({ n: 15, metrics: { success_rate: 1 } });
    expect(Math.abs(a.arms.stable.metrics.latency_p50 - 250) / 250).toBeLessThan(0.02);
  });
});
