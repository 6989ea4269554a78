/** A flattened attribute value: arrays become JSON text, key/value lists become dotted keys, bytes base64. */
export type AttributeValue = string | number | boolean;

/** Flattened attributes, keyed by their OpenTelemetry names. */
export type Attributes = Record<string, AttributeValue>;

/**
 * One flag-bearing span, as the receiver hands it on. Prompt and completion contents are already gone.
 */
export interface OtlpSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** 16 lowercase hex digits, or `''` for a root span. */
  parentSpanId: string;
  name: string;
  /** `Span.SpanKind` as its number (0 unspecified … 5 consumer). */
  kind: number;
  /** Start time, Unix epoch milliseconds (fractional). */
  startMs: number;
  endMs: number;
  durationMs: number;
  /** Whether the span's status code is `STATUS_CODE_ERROR`. */
  error: boolean;
  /** The span's attributes over the resource's `service.*` identity attributes. */
  attributes: Attributes;
  /** The attributes of each `feature_flag.evaluation` event on the span, in order. */
  flagEvaluations: Attributes[];
}

/** Fields every metric point carries. */
interface MetricPointBase {
  /** The metric's name, e.g. `calls` or `duration` from the span-metrics connector. */
  metric: string;
  unit: string;
  /** The point's attributes over the resource's `service.*` identity attributes. */
  attributes: Attributes;
  /** Start of the interval the point covers, epoch ms; for a converted cumulative point, the previous time. */
  startMs: number;
  timeMs: number;
}

/**
 * A `Sum` point. Monotonic cumulative sums arrive here as deltas (`temporality: 'delta'`); a non-monotonic
 * cumulative sum is a level, not a count, and passes through unchanged as `'cumulative'`.
 */
export interface OtlpSumPoint extends MetricPointBase {
  kind: 'sum';
  value: number;
  monotonic: boolean;
  temporality: 'delta' | 'cumulative';
}

/** A `Gauge` point. */
export interface OtlpGaugePoint extends MetricPointBase {
  kind: 'gauge';
  value: number;
}

/** An explicit-bucket histogram point, always a delta (cumulative ones are converted). */
export interface OtlpHistogramPoint extends MetricPointBase {
  kind: 'histogram';
  count: number;
  /** Absent when the producer did not record a sum (e.g. for negative measurements). */
  sum: number | undefined;
  /** `explicitBounds.length + 1` counts, or none when the producer sent only count and sum. */
  bucketCounts: number[];
  explicitBounds: number[];
  min: number | undefined;
  max: number | undefined;
}

/** Buckets of an exponential histogram. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: number[];
}

/** An exponential histogram point, always a delta (cumulative ones are converted). */
export interface OtlpExponentialHistogramPoint extends MetricPointBase {
  kind: 'exponential_histogram';
  count: number;
  sum: number | undefined;
  scale: number;
  zeroCount: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
  min: number | undefined;
  max: number | undefined;
}

/** One flag-bearing metric data point. */
export type OtlpMetricPoint =
  | OtlpSumPoint
  | OtlpGaugePoint
  | OtlpHistogramPoint
  | OtlpExponentialHistogramPoint;

/**
 * One request's spans on their way into a sink, handed over one at a time as the receiver decodes them. The sink
 * keeps what it makes of them to itself until {@link SpanWriter.commit}: a writer dropped without a commit (the
 * request turned out malformed halfway) leaves no trace.
 */
export interface SpanWriter {
  add(span: OtlpSpan): void;
  /** Hands the request over; the receiver answers 2xx once this has resolved (a rejection is a 500 or 503). */
  commit(): void | Promise<void>;
}

/**
 * Where decoded, flag-bearing telemetry goes. The analyzer's aggregation implements it. The receiver opens one
 * {@link SpanWriter} per trace request and commits it after the whole request decoded, and hands metric points over
 * once per request, so a sink sees all of a request or nothing, and answers 2xx only once what it returns has
 * resolved (the data is durable then).
 */
export interface IngestSink {
  openSpans(): SpanWriter;
  acceptMetricPoints(points: readonly OtlpMetricPoint[]): void | Promise<void>;
}
