import { type OtlpEncoding, parseJsonBody, resourceIdentity } from './decode-traces.js';
import { copyAttributes, flattenAttributes, hasFlagKey, hasOwn } from './flatten-attributes.js';
import type { Attributes, ExponentialBuckets, OtlpGaugePoint, OtlpMetricPoint } from './ingest-sink.js';
import { otlpSchema } from './otlp-schema.js';
import type {
  WireBuckets,
  WireExpHistogramPoint,
  WireHistogramPoint,
  WireKeyValue,
  WireMetric,
  WireMetricsRequest,
  WireNumberPoint,
} from './otlp-wire-types.js';
import {
  asBuffer,
  enumValue,
  list,
  longToNumber,
  nanosToMs,
  OtlpDecodeError,
  object,
  TEMPORALITIES,
  text,
  toDouble,
} from './wire-values.js';

/** A decoded point and, when it is cumulative and must become a delta, the key of its series. */
export interface DecodedMetricPoint {
  point: OtlpMetricPoint;
  /** Resource + scope + metric + attributes; set only for points {@link CumulativeToDelta} must convert. */
  series: string | undefined;
}

/** What one `ExportMetricsServiceRequest` held. */
export interface DecodedMetrics {
  points: DecodedMetricPoint[];
  /** Points without a flag, or flagged as holding no recorded value: accepted, counted, dropped. */
  ignored: number;
  /** Flag-bearing points that cannot be used (no timestamp, no value, bucket counts not matching bounds). */
  rejected: number;
  rejectReason: string | undefined;
}

/** The fields every point shares. */
type PointFields = Pick<OtlpGaugePoint, 'metric' | 'unit' | 'attributes' | 'startMs' | 'timeMs'>;

const CUMULATIVE = 2;
const NO_RECORDED_VALUE = 1;

/** Per-resource state shared by the points of one `ResourceMetrics`, built only when a point needs it. */
interface ResourceContext {
  attributes: readonly WireKeyValue[];
  identity: Attributes | undefined;
  key: string | undefined;
}

/**
 * Decodes an OTLP `ExportMetricsServiceRequest`, keeping flag-bearing points of sums, gauges and histograms
 * (the OTel Collector span-metrics connector's `calls` and `duration` with `feature_flag.*` dimensions).
 *
 * @throws OtlpDecodeError when the body is not a valid message in the given encoding.
 */
export function decodeMetrics(body: Uint8Array, encoding: OtlpEncoding): DecodedMetrics {
  const request = encoding === 'protobuf' ? decodeProtobuf(body) : parseJson(body);
  const out: DecodedMetrics = { points: [], ignored: 0, rejected: 0, rejectReason: undefined };
  for (const resourceMetrics of list(request.resourceMetrics, 'resourceMetrics')) {
    if (resourceMetrics === null || typeof resourceMetrics !== 'object') {
      throw new OtlpDecodeError('resourceMetrics: expected objects');
    }
    const resource: ResourceContext = {
      attributes: list(object(resourceMetrics.resource, 'resource')?.attributes, 'resource.attributes'),
      identity: undefined,
      key: undefined,
    };
    for (const scopeMetrics of list(resourceMetrics.scopeMetrics, 'scopeMetrics')) {
      if (scopeMetrics === null || typeof scopeMetrics !== 'object') {
        throw new OtlpDecodeError('scopeMetrics: expected objects');
      }
      const scope = object(scopeMetrics.scope, 'scope');
      const scopeKey = `${text(scope?.name, 'scope.name')}@${text(scope?.version, 'scope.version')}`;
      for (const metric of list(scopeMetrics.metrics, 'metrics')) {
        if (metric === null || typeof metric !== 'object')
          throw new OtlpDecodeError('metrics: expected objects');
        decodeMetric(metric, resource, scopeKey, out);
      }
    }
  }
  return out;
}

function decodeMetric(
  metric: WireMetric,
  resource: ResourceContext,
  scopeKey: string,
  out: DecodedMetrics,
): void {
  const name = text(metric.name, 'metric.name');
  const unit = text(metric.unit, 'metric.unit');
  const seriesPrefix = (): string => {
    resource.key ??= attributesKey(flattenAttributes(resource.attributes, {}));
    return `${resource.key}\u0001${scopeKey}\u0001${name}\u0001`;
  };
  const base = (
    attributes: readonly WireKeyValue[],
    start: WireNumberPoint | WireHistogramPoint | WireExpHistogramPoint,
  ): PointFields => {
    resource.identity ??= resourceIdentity(resource.attributes);
    return {
      metric: name,
      unit,
      attributes: flattenAttributes(attributes, copyAttributes(resource.identity)),
      startMs: nanosToMs(start.startTimeUnixNano, 'point.startTimeUnixNano'),
      timeMs: nanosToMs(start.timeUnixNano, 'point.timeUnixNano'),
    };
  };
  const keep = (point: OtlpMetricPoint, cumulative: boolean): void => {
    if (point.timeMs === 0) {
      reject(out, 'data point without time_unix_nano');
      return;
    }
    const series = cumulative ? seriesPrefix() + attributesKey(point.attributes) : undefined;
    out.points.push({ point, series });
  };

  const sum = object(metric.sum, 'metric.sum');
  const gauge = object(metric.gauge, 'metric.gauge');
  if (sum !== undefined || gauge !== undefined) {
    const cumulative =
      sum !== undefined &&
      enumValue(sum.aggregationTemporality, TEMPORALITIES, 'sum.temporality') === CUMULATIVE;
    const monotonic = sum?.isMonotonic === true;
    for (const dp of list((sum ?? gauge)?.dataPoints, 'dataPoints')) {
      const attributes = flaggedAttributes(dp, out);
      if (attributes === undefined) continue;
      const value = numberValue(dp);
      if (value === undefined) {
        reject(out, 'number data point without a value');
        continue;
      }
      if (sum === undefined) {
        keep({ kind: 'gauge', value, ...base(attributes, dp) }, false);
      } else {
        const temporality = cumulative ? 'cumulative' : 'delta';
        keep(
          { kind: 'sum', value, monotonic, temporality, ...base(attributes, dp) },
          cumulative && monotonic,
        );
      }
    }
    return;
  }

  const histogram = object(metric.histogram, 'metric.histogram');
  if (histogram !== undefined) {
    const cumulative =
      enumValue(histogram.aggregationTemporality, TEMPORALITIES, 'histogram.temporality') === CUMULATIVE;
    for (const dp of list(histogram.dataPoints, 'dataPoints')) {
      const attributes = flaggedAttributes(dp, out);
      if (attributes === undefined) continue;
      const bucketCounts = list(dp.bucketCounts, 'bucketCounts').map((c) => longToNumber(c, 'bucketCounts'));
      const explicitBounds = list(dp.explicitBounds, 'explicitBounds').map((b) =>
        toDouble(b, 'explicitBounds'),
      );
      if (bucketCounts.length !== 0 && bucketCounts.length !== explicitBounds.length + 1) {
        reject(out, 'histogram data point whose bucket_counts do not match explicit_bounds');
        continue;
      }
      keep(
        {
          kind: 'histogram',
          count: longToNumber(dp.count, 'count'),
          sum: optionalDouble(dp.sum, 'sum'),
          bucketCounts,
          explicitBounds,
          min: optionalDouble(dp.min, 'min'),
          max: optionalDouble(dp.max, 'max'),
          ...base(attributes, dp),
        },
        cumulative,
      );
    }
    return;
  }

  const exponential = object(metric.exponentialHistogram, 'metric.exponentialHistogram');
  if (exponential !== undefined) {
    const cumulative =
      enumValue(exponential.aggregationTemporality, TEMPORALITIES, 'histogram.temporality') === CUMULATIVE;
    for (const dp of list(exponential.dataPoints, 'dataPoints')) {
      const attributes = flaggedAttributes(dp, out);
      if (attributes === undefined) continue;
      keep(exponentialPoint(dp, base(attributes, dp)), cumulative);
    }
  }
  // Summaries (and metrics without data) are not read: the schema leaves them out.
}

function exponentialPoint(dp: WireExpHistogramPoint, base: PointFields): OtlpMetricPoint {
  return {
    kind: 'exponential_histogram',
    count: longToNumber(dp.count, 'count'),
    sum: optionalDouble(dp.sum, 'sum'),
    scale: typeof dp.scale === 'number' ? dp.scale : 0,
    zeroCount: longToNumber(dp.zeroCount, 'zeroCount'),
    positive: buckets(dp.positive),
    negative: buckets(dp.negative),
    min: optionalDouble(dp.min, 'min'),
    max: optionalDouble(dp.max, 'max'),
    ...base,
  };
}

function buckets(value: WireBuckets | null | undefined): ExponentialBuckets {
  const b = object(value, 'buckets');
  return {
    offset: typeof b?.offset === 'number' ? b.offset : 0,
    bucketCounts: list(b?.bucketCounts, 'buckets.bucketCounts').map((c) => longToNumber(c, 'bucketCounts')),
  };
}

/** The point's attribute list when it carries a flag and a value; otherwise counts it as ignored. */
function flaggedAttributes(
  dp: { attributes?: WireKeyValue[]; flags?: number },
  out: DecodedMetrics,
): readonly WireKeyValue[] | undefined {
  if (dp === null || typeof dp !== 'object') throw new OtlpDecodeError('dataPoints: expected objects');
  const attributes = list(dp.attributes, 'point.attributes');
  if (!hasFlagKey(attributes) || ((dp.flags ?? 0) & NO_RECORDED_VALUE) !== 0) {
    out.ignored++;
    return undefined;
  }
  return attributes;
}

function numberValue(dp: WireNumberPoint): number | undefined {
  // protobufjs: unset arms read as 0 from the prototype, so presence is an own property (as in JSON).
  if (hasOwn(dp, 'asDouble') && dp.asDouble !== null) return toDouble(dp.asDouble, 'asDouble');
  if (hasOwn(dp, 'asInt') && dp.asInt !== null) return longToNumber(dp.asInt, 'asInt');
  return undefined;
}

function optionalDouble(value: number | string | null | undefined, path: string): number | undefined {
  return value === null || value === undefined ? undefined : toDouble(value, path);
}

function reject(out: DecodedMetrics, reason: string): void {
  out.rejected++;
  out.rejectReason ??= reason;
}

/** A stable key for a set of attributes, independent of the order they arrived in. */
function attributesKey(attributes: Attributes): string {
  return JSON.stringify(Object.entries(attributes).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

function decodeProtobuf(body: Uint8Array): WireMetricsRequest {
  try {
    return otlpSchema().exportMetricsServiceRequest.decode(asBuffer(body)) as unknown as WireMetricsRequest;
  } catch (error) {
    throw new OtlpDecodeError(`invalid protobuf ExportMetricsServiceRequest: ${(error as Error).message}`);
  }
}

function parseJson(body: Uint8Array): WireMetricsRequest {
  return parseJsonBody(body, 'ExportMetricsServiceRequest') as WireMetricsRequest;
}
