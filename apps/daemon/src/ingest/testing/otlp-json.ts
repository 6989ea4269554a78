import { randomBytes } from 'node:crypto';

/** A span to send in an OTLP/JSON body, in test terms. */
export interface TestSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  /** End time, epoch ms. */
  endMs: number;
  durationMs: number;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
  /** `feature_flag.evaluation` events, by their attributes. */
  flagEvents?: Array<Record<string, string | number | boolean>>;
}

type JsonAnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean };

function anyValue(value: string | number | boolean): JsonAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

/** OTLP/JSON key/values. */
export function keyValues(attributes: Record<string, string | number | boolean> = {}) {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/** A random trace id (32 hex digits). */
export function traceId(): string {
  return randomBytes(16).toString('hex');
}

/** An `ExportTraceServiceRequest` in OTLP/JSON holding `spans` under one resource (of service `service`). */
export function otlpTraces(spans: readonly TestSpan[], service = 'support-agent') {
  return {
    resourceSpans: [
      {
        resource: { attributes: keyValues({ 'service.name': service }) },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((s) => ({
              traceId: s.traceId ?? traceId(),
              spanId: s.spanId ?? randomBytes(8).toString('hex'),
              parentSpanId: s.parentSpanId ?? '',
              name: 'chat',
              kind: 2,
              startTimeUnixNano: nanos(s.endMs - s.durationMs),
              endTimeUnixNano: nanos(s.endMs),
              attributes: keyValues(s.attributes),
              events: (s.flagEvents ?? []).map((attributes) => ({
                name: 'feature_flag.evaluation',
                timeUnixNano: nanos(s.endMs - s.durationMs),
                attributes: keyValues(attributes),
              })),
              status: s.error ? { code: 2 } : {},
            })),
          },
        ],
      },
    ],
  };
}

/** The flag attributes of a span served `variant` of `flagKey`, with an optional reason. */
export function flagAttributes(flagKey: string, variant: string, reason?: string) {
  const out: Record<string, string> = { 'feature_flag.key': flagKey, 'feature_flag.result.variant': variant };
  if (reason !== undefined) out['feature_flag.result.reason'] = reason;
  return out;
}
