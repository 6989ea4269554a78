/*
 * Shapes of a decoded OTLP request as the walkers see them. protobufjs (lowerCamelCase names, reflection
 * decode) and JSON.parse of OTLP/JSON produce the same keys; the differences are in the leaves, which the
 * unions below spell out: ids are bytes or hex, 64-bit integers are Long, number or decimal string, enums are
 * numbers or names. protobufjs leaves unset message fields and oneof arms `null` and unset scalars at their
 * default; JSON leaves them out. Everything is optional because a JSON body may omit anything.
 */

/** A 64-bit integer as protobufjs (Long) or OTLP/JSON (number or decimal string) gives it. */
export type WireLong = number | string | { low: number; high: number; unsigned?: boolean };

/** `trace_id`/`span_id`: bytes from protobuf, hex from OTLP/JSON. */
export type WireId = Uint8Array | string;

/** An enum value: a number from protobuf or OTLP/JSON, or its name from lenient JSON writers. */
export type WireEnum = number | string;

/** `AnyValue`. */
export interface WireAnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: WireLong | null;
  doubleValue?: number | string | null;
  arrayValue?: { values?: WireAnyValue[] | null } | null;
  kvlistValue?: { values?: WireKeyValue[] | null } | null;
  bytesValue?: Uint8Array | string | null;
}

/** `KeyValue`. */
export interface WireKeyValue {
  key?: string;
  value?: WireAnyValue | null;
}

/** `Resource`. */
export interface WireResource {
  attributes?: WireKeyValue[];
}

/** `InstrumentationScope`. */
export interface WireScope {
  name?: string;
  version?: string;
}

/** `Span.Event`. */
export interface WireEvent {
  timeUnixNano?: WireLong;
  name?: string;
  attributes?: WireKeyValue[];
}

/** `Status`. */
export interface WireStatus {
  message?: string;
  code?: WireEnum;
}

/** `Span`. */
export interface WireSpan {
  traceId?: WireId;
  spanId?: WireId;
  parentSpanId?: WireId;
  name?: string;
  kind?: WireEnum;
  startTimeUnixNano?: WireLong;
  endTimeUnixNano?: WireLong;
  attributes?: WireKeyValue[];
  events?: WireEvent[];
  status?: WireStatus | null;
}

/** `ExportTraceServiceRequest`. */
export interface WireTraceRequest {
  resourceSpans?: Array<{
    resource?: WireResource | null;
    scopeSpans?: Array<{ scope?: WireScope | null; spans?: WireSpan[] }>;
  }>;
}

/** `NumberDataPoint`. */
export interface WireNumberPoint {
  attributes?: WireKeyValue[];
  startTimeUnixNano?: WireLong;
  timeUnixNano?: WireLong;
  asDouble?: number | string | null;
  asInt?: WireLong | null;
  flags?: number;
}

/** `HistogramDataPoint`. */
export interface WireHistogramPoint {
  attributes?: WireKeyValue[];
  startTimeUnixNano?: WireLong;
  timeUnixNano?: WireLong;
  count?: WireLong;
  sum?: number | string | null;
  bucketCounts?: WireLong[];
  explicitBounds?: Array<number | string>;
  flags?: number;
  min?: number | string | null;
  max?: number | string | null;
}

/** `ExponentialHistogramDataPoint.Buckets`. */
export interface WireBuckets {
  offset?: number;
  bucketCounts?: WireLong[];
}

/** `ExponentialHistogramDataPoint`. */
export interface WireExpHistogramPoint {
  attributes?: WireKeyValue[];
  startTimeUnixNano?: WireLong;
  timeUnixNano?: WireLong;
  count?: WireLong;
  sum?: number | string | null;
  scale?: number;
  zeroCount?: WireLong;
  positive?: WireBuckets | null;
  negative?: WireBuckets | null;
  flags?: number;
  min?: number | string | null;
  max?: number | string | null;
  zeroThreshold?: number | string;
}

/** `Metric`. */
export interface WireMetric {
  name?: string;
  unit?: string;
  gauge?: { dataPoints?: WireNumberPoint[] } | null;
  sum?: {
    dataPoints?: WireNumberPoint[];
    aggregationTemporality?: WireEnum;
    isMonotonic?: boolean;
  } | null;
  histogram?: { dataPoints?: WireHistogramPoint[]; aggregationTemporality?: WireEnum } | null;
  exponentialHistogram?: {
    dataPoints?: WireExpHistogramPoint[];
    aggregationTemporality?: WireEnum;
  } | null;
}

/** `ExportMetricsServiceRequest`. */
export interface WireMetricsRequest {
  resourceMetrics?: Array<{
    resource?: WireResource | null;
    scopeMetrics?: Array<{ scope?: WireScope | null; metrics?: WireMetric[] }>;
  }>;
}
