// A downstream service for the end-to-end tests: it parses the app's answers over HTTP and knows no flag. The real
// OpenTelemetry SDK extracts the W3C trace context and baggage of each call; the provider package's
// `DownstreamSpanProcessor` copies the assignment from the baggage onto the request span (and, marked inherited, onto
// its child), and a real OTLP/HTTP exporter sends them to canaryd under this service's `service.name`. It fails a
// share of the requests served `FAIL_VARIANT` (the canary), and no other. Prints `{"port": n}` once listening.
import { createServer } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DownstreamSpanProcessor } from '@prompt-canary/openfeature-provider';

const ENTRY = 'promptcanary.assignments';
const FLAG = process.env.FLAG_KEY ?? 'support-prompts';
const FAIL_VARIANT = process.env.FAIL_VARIANT ?? '';
const FAIL_SHARE = Number(process.env.FAIL_SHARE ?? '0');

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);
const exporter = new OTLPTraceExporter({
  url: `${process.env.CANARY_URL}/v1/traces`,
  headers: { authorization: `Bearer ${process.env.CANARY_TOKEN}` },
});
const tracerProvider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.SERVICE_NAME ?? 'billing-parser' }),
  spanProcessors: [
    new DownstreamSpanProcessor(),
    new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200, maxExportBatchSize: 512 }),
  ],
});
trace.setGlobalTracerProvider(tracerProvider);
const tracer = trace.getTracer('billing-parser');

/** The variant of `FLAG` in the baggage entry (`key=variant` pairs, each part URL-encoded), if any. */
function variantOf(value) {
  for (const pair of (value ?? '').split(',')) {
    const [key, variant] = pair.trim().split('=');
    if (key !== undefined && variant !== undefined && decodeURIComponent(key) === FLAG) {
      return decodeURIComponent(variant);
    }
  }
  return undefined;
}

const stats = { requests: 0, withAssignment: 0, failed: 0, variants: {} };

const server = createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const variant = variantOf(propagation.getBaggage(parent)?.getEntry(ENTRY)?.value);
  req.resume();
  req.on('end', () => {
    tracer.startActiveSpan('POST /parse', { kind: SpanKind.SERVER }, parent, (span) => {
      stats.requests++;
      if (variant !== undefined) {
        stats.withAssignment++;
        stats.variants[variant] = (stats.variants[variant] ?? 0) + 1;
      }
      const fail = variant === FAIL_VARIANT && Math.random() < FAIL_SHARE;
      // A local step of the request: it carries the assignment too, marked inherited, and counts for nothing.
      const step = tracer.startSpan('parse answer');
      if (fail) step.setStatus({ code: SpanStatusCode.ERROR, message: 'unparseable answer' });
      step.end();
      if (fail) {
        stats.failed++;
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'unparseable answer' });
      }
      span.end();
      res
        .writeHead(fail ? 500 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ variant }));
    });
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  void tracerProvider.shutdown().finally(() => process.exit(0));
});
