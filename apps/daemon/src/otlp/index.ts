/**
 * The OTLP/HTTP receiver of canaryd: decoding of `ExportTraceServiceRequest` / `ExportMetricsServiceRequest`
 * (protobuf and JSON), flag filtering, cumulative-to-delta conversion and the `/v1/traces` + `/v1/metrics`
 * routes. Exported as `@prompt-canary/daemon/otlp` for the benchmark and for the analyzer's sink.
 */
export { CumulativeToDelta, type CumulativeToDeltaOptions } from './cumulative-to-delta.js';
export { type DecodedMetricPoint, type DecodedMetrics, decodeMetrics } from './decode-metrics.js';
export { type DecodedTraces, decodeTraces, type OtlpEncoding } from './decode-traces.js';
export { isContentAttribute } from './flatten-attributes.js';
export type {
  Attributes,
  AttributeValue,
  ExponentialBuckets,
  IngestSink,
  OtlpExponentialHistogramPoint,
  OtlpGaugePoint,
  OtlpHistogramPoint,
  OtlpMetricPoint,
  OtlpSpan,
  OtlpSumPoint,
} from './ingest-sink.js';
export {
  InMemoryOtlpIngestCounters,
  type OtlpIngestCounters,
  type OtlpOutcome,
  type OtlpSignal,
  prometheusOtlpIngestCounters,
} from './otlp-ingest-counters.js';
export { type OtlpRoutesContext, registerOtlpRoutes } from './otlp-routes.js';
export { loadOtlpSchema, type OtlpSchema, otlpSchema } from './otlp-schema.js';
export { defaultOtlpBodyLimits, type OtlpBodyLimits } from './read-otlp-body.js';
export { OtlpDecodeError } from './wire-values.js';
