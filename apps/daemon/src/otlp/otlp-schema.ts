import protobuf from 'protobufjs';

/*
 * The subset of opentelemetry-proto (v1.9.0 line) that the receiver reads, written for protobufjs to load.
 * Field names, numbers and types follow the published `.proto` files; `otlp-schema.test.ts` cross-checks them.
 * Fields we never read (links, trace_state, flags on spans, exemplars, summaries, entity refs, dropped counts)
 * are left out on purpose: protobuf skips unknown fields by wire type, so leaving them out keeps the decode
 * correct and makes it cheaper (nothing is allocated for them).
 */

// Edition 2023 is proto3 on the wire (open enums, packed repeated fields) with explicit presence for singular
// fields. Strings are not checked for UTF-8 (`utf8_validation = NONE`): an invalid sequence reads as U+FFFD, as
// Node's decoder reads it, instead of refusing the whole request for one bad attribute (the OpenTelemetry
// Collector does not refuse either), and the check would run in JavaScript for every string, several times slower
// than the native decoder protobufjs uses otherwise. AnyValue's `oneof value` is spelled as plain fields with presence: the bytes are
// identical, but protobufjs's oneof setter deletes every sibling arm each time one arm is read (a slow runtime
// call per attribute, ~20% of a decode), whereas here an arm is simply set when present.
const COMMON = `
edition = "2023";
option features.utf8_validation = NONE;
package opentelemetry.proto.common.v1;

message AnyValue {
  string string_value = 1;
  bool bool_value = 2;
  int64 int_value = 3;
  double double_value = 4;
  ArrayValue array_value = 5;
  KeyValueList kvlist_value = 6;
  bytes bytes_value = 7;
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue {
  string key = 1 [features.field_presence = IMPLICIT];
  AnyValue value = 2;
}
message InstrumentationScope {
  string name = 1 [features.field_presence = IMPLICIT];
  string version = 2 [features.field_presence = IMPLICIT];
  repeated KeyValue attributes = 3;
}
`;

const RESOURCE = `
syntax = "proto3";
package opentelemetry.proto.resource.v1;

message Resource { repeated opentelemetry.proto.common.v1.KeyValue attributes = 1; }
`;

const TRACE = `
syntax = "proto3";
package opentelemetry.proto.trace.v1;

message ResourceSpans {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0;
    SPAN_KIND_INTERNAL = 1;
    SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4;
    SPAN_KIND_CONSUMER = 5;
  }
  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 3;
  }
  repeated Event events = 11;
  Status status = 15;
}
message Status {
  string message = 2;
  enum StatusCode {
    STATUS_CODE_UNSET = 0;
    STATUS_CODE_OK = 1;
    STATUS_CODE_ERROR = 2;
  }
  StatusCode code = 3;
}
`;

const METRICS = `
syntax = "proto3";
package opentelemetry.proto.metrics.v1;

message ResourceMetrics {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
  string schema_url = 3;
}
message ScopeMetrics {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
  string schema_url = 3;
}
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
  }
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum {
  repeated NumberDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
  bool is_monotonic = 3;
}
message Histogram {
  repeated HistogramDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
}
message ExponentialHistogram {
  repeated ExponentialHistogramDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
}
enum AggregationTemporality {
  AGGREGATION_TEMPORALITY_UNSPECIFIED = 0;
  AGGREGATION_TEMPORALITY_DELTA = 1;
  AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
}
message NumberDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message ExponentialHistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  Buckets positive = 8;
  Buckets negative = 9;
  message Buckets {
    sint32 offset = 1;
    repeated uint64 bucket_counts = 2;
  }
  uint32 flags = 10;
  optional double min = 12;
  optional double max = 13;
  double zero_threshold = 14;
}
`;

const TRACE_SERVICE = `
syntax = "proto3";
package opentelemetry.proto.collector.trace.v1;

message ExportTraceServiceRequest {
  repeated opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1;
}
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
`;

const METRICS_SERVICE = `
syntax = "proto3";
package opentelemetry.proto.collector.metrics.v1;

message ExportMetricsServiceRequest {
  repeated opentelemetry.proto.metrics.v1.ResourceMetrics resource_metrics = 1;
}
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess {
  int64 rejected_data_points = 1;
  string error_message = 2;
}
`;

// OTLP/HTTP answers a 4xx/5xx with a google.rpc.Status; `details` (field 3) is never sent by us.
const RPC_STATUS = `
syntax = "proto3";
package google.rpc;

message Status {
  int32 code = 1;
  string message = 2;
}
`;

/** The proto sources of the schema, in load order, for tests that compare it with the published files. */
export const OTLP_PROTO_SOURCES: readonly string[] = [
  COMMON,
  RESOURCE,
  TRACE,
  METRICS,
  TRACE_SERVICE,
  METRICS_SERVICE,
  RPC_STATUS,
];

/** protobufjs message types of the OTLP schema, resolved once. */
export interface OtlpSchema {
  /** The protobufjs root holding every type below. */
  readonly root: protobuf.Root;
  readonly exportTraceServiceRequest: protobuf.Type;
  /** `opentelemetry.proto.common.v1.KeyValue`, for the attributes the trace projection leaves to protobufjs. */
  readonly keyValue: protobuf.Type;
  readonly exportTraceServiceResponse: protobuf.Type;
  readonly exportMetricsServiceRequest: protobuf.Type;
  readonly exportMetricsServiceResponse: protobuf.Type;
  /** `google.rpc.Status`, the body of an OTLP/HTTP error response. */
  readonly rpcStatus: protobuf.Type;
}

/**
 * Parses the embedded schema into a fresh protobufjs root. Field names become lowerCamelCase (protobufjs's
 * default), which is also the key spelling of OTLP/JSON, so one walker reads both encodings.
 */
export function loadOtlpSchema(): OtlpSchema {
  const root = new protobuf.Root();
  for (const source of OTLP_PROTO_SOURCES) protobuf.parse(source, root);
  root.resolveAll();
  return {
    root,
    exportTraceServiceRequest: root.lookupType(
      'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    ),
    keyValue: root.lookupType('opentelemetry.proto.common.v1.KeyValue'),
    exportTraceServiceResponse: root.lookupType(
      'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
    ),
    exportMetricsServiceRequest: root.lookupType(
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
    ),
    exportMetricsServiceResponse: root.lookupType(
      'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
    ),
    rpcStatus: root.lookupType('google.rpc.Status'),
  };
}

let cached: OtlpSchema | undefined;

/** The schema, parsed on first use and shared afterwards (parsing and code generation cost a few ms). */
export function otlpSchema(): OtlpSchema {
  cached ??= loadOtlpSchema();
  return cached;
}
