import { randomUUID } from 'node:crypto';
import { context, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FlagSpanProcessor } from '@prompt-canary/openfeature-provider';

/** Options of {@link startDemoTelemetry}. */
export interface DemoTelemetryOptions {
  /** canaryd (or an OpenTelemetry Collector) base URL; spans go to `${url}/v1/traces`. */
  url: string;
  /** A token with the `ingest` scope. */
  token: string;
  /** `service.name` of the spans. */
  serviceName?: string;
  /** How often the batch processor exports, in ms (short, so the analysis sees requests within a second). */
  exportDelayMs?: number;
  /** `service.instance.id` of the spans: which copy of the app served (default: a random UUID per process). */
  instanceId?: string;
}

/** The demo's OpenTelemetry SDK: a tracer, and the flush-and-stop to call on exit. */
export interface DemoTelemetry {
  tracer: Tracer;
  /** This process's `service.instance.id`. */
  instanceId: string;
  /** Exports what is buffered, then stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Sets up the OpenTelemetry SDK the way an app adopting Prompt Canary does: an async-hooks context manager, the
 * provider's {@link FlagSpanProcessor} (copies the flag assignment onto child LLM spans) before a batch
 * processor, and the OTLP/HTTP protobuf exporter pointed at canaryd's `/v1/traces` with a bearer token.
 *
 * @example
 * const telemetry = startDemoTelemetry({ url: 'http://127.0.0.1:4000', token });
 * // … handle requests …
 * await telemetry.shutdown();
 */
export function startDemoTelemetry(options: DemoTelemetryOptions): DemoTelemetry {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new OTLPTraceExporter({
    url: `${options.url.replace(/\/+$/, '')}/v1/traces`,
    headers: { authorization: `Bearer ${options.token}` },
  });
  // One id per running copy of the app, as OpenTelemetry recommends: rollback drills count instances by it.
  const instanceId = options.instanceId ?? randomUUID();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName ?? 'support-agent-demo',
      'service.instance.id': instanceId,
    }),
    spanProcessors: [
      new FlagSpanProcessor(),
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: options.exportDelayMs ?? 500,
        maxExportBatchSize: 1024,
        maxQueueSize: 8192,
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: trace.getTracer('@prompt-canary/demo'),
    instanceId,
    shutdown: async () => {
      await provider.forceFlush();
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
