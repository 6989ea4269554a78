import { type ArmAggregate, addToMoments } from '@prompt-canary/analysis';
import type { OtlpMetricPoint } from '../otlp/ingest-sink.js';

const CALLS = /(^|[._])calls(_total)?$/;
const DURATION = /(^|[._])(duration|latency)(_milliseconds|_seconds)?$/;
/** The span-metrics connector's status dimension. */
const STATUS_CODE = 'status.code';

/** Multiplier from a histogram's unit to milliseconds (UCUM codes as OTLP writes them). */
function toMs(unit: string): number {
  switch (unit) {
    case 's':
      return 1000;
    case 'us':
      return 1e-3;
    case 'ns':
      return 1e-6;
    default:
      return 1;
  }
}

function addLatency(agg: ArmAggregate, valueMs: number, count: number): void {
  if (!(count > 0) || !Number.isFinite(valueMs) || valueMs < 0) return;
  agg.latency.add(valueMs, count);
  addToMoments(agg.latencyMoments, valueMs, count);
  addToMoments(agg.logLatency, Math.log(Math.max(valueMs, 1e-3)), count);
}

/**
 * Adds a span-metrics point to an arm's aggregate; returns whether the analysis reads it.
 *
 * - A monotonic delta sum named `calls` (`traces.span.metrics.calls`, `calls_total`) counts requests; with the
 *   `status.code` dimension `STATUS_CODE_ERROR`, errors too.
 * - A histogram named `duration` (or `latency`) feeds the latency sketch and moments, each bucket's count at the
 *   bucket's midpoint (the first bucket at its upper bound, the overflow bucket at the recorded max or its lower
 *   bound): an approximation within the histogram's own resolution. It does not count requests: `calls` does.
 */
export function addMetricPoint(agg: ArmAggregate, point: OtlpMetricPoint): boolean {
  if (point.kind === 'sum') {
    if (!point.monotonic || point.temporality !== 'delta' || !CALLS.test(point.metric)) return false;
    const n = Math.max(0, Math.round(point.value));
    agg.spans += n;
    if (point.attributes[STATUS_CODE] === 'STATUS_CODE_ERROR') agg.errors += n;
    return true;
  }
  if (!DURATION.test(point.metric)) return false;
  const scale = toMs(point.unit);
  if (point.kind === 'histogram') {
    const { bucketCounts: counts, explicitBounds: bounds } = point;
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i] ?? 0;
      if (count <= 0) continue;
      const upper = bounds[i];
      const lower = i === 0 ? undefined : bounds[i - 1];
      let value: number;
      if (upper === undefined) value = point.max ?? lower ?? 0;
      else if (lower === undefined) value = point.min !== undefined ? Math.min(upper, point.min) : upper;
      else value = (lower + upper) / 2;
      addLatency(agg, value * scale, count);
    }
    return true;
  }
  if (point.kind === 'exponential_histogram') {
    const base = 2 ** (2 ** -point.scale);
    addLatency(agg, 0, point.zeroCount);
    const { offset, bucketCounts } = point.positive;
    for (let i = 0; i < bucketCounts.length; i++) {
      const count = bucketCounts[i] ?? 0;
      if (count <= 0) continue;
      const lower = base ** (offset + i);
      addLatency(agg, ((lower + lower * base) / 2) * scale, count);
    }
    return true;
  }
  return false;
}
