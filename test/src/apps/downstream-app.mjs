// An app for the downstream end-to-end test: the real OpenFeature SDK with our provider and span hook, and a real
// OpenTelemetry SDK exporting OTLP/HTTP to canaryd as `support-agent`. For each request it evaluates the pack in its
// request span, then calls the downstream service over HTTP with the W3C trace context and the assignment in baggage
// (the provider package's `AssignmentBaggagePropagator`, opted in for the pack). Its own spans are always healthy:
// whatever the downstream service answers, the app's request succeeds. Commands arrive as JSON lines on stdin
// (`{"op": "run", "requests": n}`, `{"op": "exit"}`); answers leave as JSON lines on stdout.
import { createInterface } from 'node:readline';
import { OpenFeature } from '@openfeature/server-sdk';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  AssignmentBaggagePropagator,
  FlagSpanHook,
  FlagSpanProcessor,
  PromptCanaryProvider,
} from '@prompt-canary/openfeature-provider';

const FLAG = process.env.FLAG_KEY ?? 'support-prompts';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new AssignmentBaggagePropagator({ flags: [FLAG] })],
  }),
);
const exporter = new OTLPTraceExporter({
  url: `${process.env.CANARY_URL}/v1/traces`,
  headers: { authorization: `Bearer ${process.env.CANARY_TOKEN}` },
});
const tracerProvider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'support-agent' }),
  spanProcessors: [
    new FlagSpanProcessor(),
    new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200, maxExportBatchSize: 512 }),
  ],
});
trace.setGlobalTracerProvider(tracerProvider);
const tracer = trace.getTracer('support-agent');

await OpenFeature.setProviderAndWait(
  new PromptCanaryProvider({
    baseUrl: process.env.CANARY_URL,
    token: process.env.CANARY_TOKEN,
    tracking: false,
  }),
);
OpenFeature.addHooks(new FlagSpanHook());
const client = OpenFeature.getClient();

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

/** One request of a fresh session: evaluate in the request span, call the parser, answer whatever it says. */
async function request() {
  const targetingKey = `session-${Math.random().toString(36).slice(2)}`;
  return tracer.startActiveSpan('POST /chat', { kind: SpanKind.SERVER }, async (span) => {
    try {
      const details = await client.getStringDetails(FLAG, 'none', { targetingKey });
      const headers = {};
      propagation.inject(context.active(), headers);
      const res = await fetch(`${process.env.DOWNSTREAM_URL}/parse`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ answer: 'model output' }),
      });
      await res.arrayBuffer();
      return { variant: details.variant, downstream: res.status, baggage: headers.baggage ?? null };
    } finally {
      span.end();
    }
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.op === 'run') {
    const results = [];
    for (let i = 0; i < command.requests; i++) results.push(await request());
    send({ op: 'run', results });
  } else if (command.op === 'exit') break;
}
await OpenFeature.close();
await tracerProvider.shutdown();
process.exit(0);
