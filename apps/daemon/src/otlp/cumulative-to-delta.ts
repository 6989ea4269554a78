import type { DecodedMetricPoint } from './decode-metrics.js';
import type {
  ExponentialBuckets,
  OtlpExponentialHistogramPoint,
  OtlpHistogramPoint,
  OtlpMetricPoint,
  OtlpSumPoint,
} from './ingest-sink.js';

/** Options of {@link CumulativeToDelta}. */
export interface CumulativeToDeltaOptions {
  /** Most series remembered; the least recently updated is forgotten first. Default 50,000. */
  maxSeries?: number;
  /**
   * When the converter started, epoch ms. A series first seen with a start time at or after it began while we
   * were listening, so its whole first value is a delta; an older series only sets the baseline (its earlier
   * counts were either seen before a restart or never sent to us).
   */
  startedAtMs: number;
}

type Cumulative = OtlpSumPoint | OtlpHistogramPoint | OtlpExponentialHistogramPoint;

/**
 * Turns cumulative monotonic sums and cumulative histograms into deltas per series, remembering the last value
 * of each series in a bounded map. A value that goes down, or a newer start time, is a reset: the new value
 * counts whole. Points older than the last one seen for their series are dropped.
 */
export class CumulativeToDelta {
  readonly #last = new Map<string, Cumulative>();
  readonly #maxSeries: number;
  readonly #startedAtMs: number;

  constructor(options: CumulativeToDeltaOptions) {
    this.#maxSeries = options.maxSeries ?? 50_000;
    this.#startedAtMs = options.startedAtMs;
  }

  /** How many series are remembered. */
  get size(): number {
    return this.#last.size;
  }

  /** Passes delta points through and converts cumulative ones, in order. */
  toDeltas(decoded: readonly DecodedMetricPoint[]): OtlpMetricPoint[] {
    const out: OtlpMetricPoint[] = [];
    for (const { point, series } of decoded) {
      if (series === undefined || point.kind === 'gauge') {
        out.push(point);
        continue;
      }
      const delta = this.#convert(series, point);
      if (delta !== undefined) out.push(delta);
    }
    return out;
  }

  #convert(series: string, point: Cumulative): Cumulative | undefined {
    const previous = this.#last.get(series);
    if (previous !== undefined && point.timeMs <= previous.timeMs) return undefined;
    this.#remember(series, point);
    if (previous === undefined || previous.kind !== point.kind) {
      const startedWhileListening = point.startMs > 0 && point.startMs >= this.#startedAtMs;
      return startedWhileListening ? asDelta(point) : undefined;
    }
    const delta = subtract(point, previous);
    return delta ?? asDelta(point);
  }

  #remember(series: string, point: Cumulative): void {
    // Deleting first moves the key to the end of the map's insertion order, which makes the order an LRU.
    if (!this.#last.delete(series) && this.#last.size >= this.#maxSeries) {
      const oldest = this.#last.keys().next();
      if (oldest.done !== true) this.#last.delete(oldest.value);
    }
    this.#last.set(series, point);
  }
}

function asDelta(point: Cumulative): Cumulative {
  return point.kind === 'sum' ? { ...point, temporality: 'delta' } : point;
}

/** `current − previous`, or `undefined` when the series was reset in between. */
function subtract(current: Cumulative, previous: Cumulative): Cumulative | undefined {
  if (current.startMs > previous.startMs) return undefined;
  const interval = { startMs: previous.timeMs, timeMs: current.timeMs };
  if (current.kind === 'sum' && previous.kind === 'sum') {
    const value = current.value - previous.value;
    return value < 0 ? undefined : { ...current, ...interval, value, temporality: 'delta' };
  }
  if (current.kind === 'histogram' && previous.kind === 'histogram') {
    const count = current.count - previous.count;
    if (count < 0 || !sameBounds(current.explicitBounds, previous.explicitBounds)) return undefined;
    const bucketCounts = subtractCounts(current.bucketCounts, previous.bucketCounts);
    if (bucketCounts === undefined) return undefined;
    return {
      ...current,
      ...interval,
      count,
      sum: minus(current.sum, previous.sum),
      bucketCounts,
      // min and max of the interval alone cannot be derived from two cumulative points.
      min: undefined,
      max: undefined,
    };
  }
  if (current.kind === 'exponential_histogram' && previous.kind === 'exponential_histogram') {
    const count = current.count - previous.count;
    const zeroCount = current.zeroCount - previous.zeroCount;
    if (count < 0 || zeroCount < 0 || current.scale !== previous.scale) return undefined;
    const positive = subtractBuckets(current.positive, previous.positive);
    const negative = subtractBuckets(current.negative, previous.negative);
    if (positive === undefined || negative === undefined) return undefined;
    return {
      ...current,
      ...interval,
      count,
      zeroCount,
      sum: minus(current.sum, previous.sum),
      positive,
      negative,
      min: undefined,
      max: undefined,
    };
  }
  return undefined;
}

function minus(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function subtractCounts(current: readonly number[], previous: readonly number[]): number[] | undefined {
  if (previous.length === 0) return [...current];
  if (current.length !== previous.length) return undefined;
  const out = new Array<number>(current.length);
  for (let i = 0; i < current.length; i++) {
    const d = (current[i] ?? 0) - (previous[i] ?? 0);
    if (d < 0) return undefined;
    out[i] = d;
  }
  return out;
}

/** Subtracts exponential buckets aligned by absolute index (offsets may differ between points). */
function subtractBuckets(
  current: ExponentialBuckets,
  previous: ExponentialBuckets,
): ExponentialBuckets | undefined {
  const out = [...current.bucketCounts];
  for (let i = 0; i < previous.bucketCounts.length; i++) {
    const at = previous.offset + i - current.offset;
    const before = previous.bucketCounts[i] ?? 0;
    if (before === 0) continue;
    if (at < 0 || at >= out.length) return undefined;
    const d = (out[at] ?? 0) - before;
    if (d < 0) return undefined;
    out[at] = d;
  }
  return { offset: current.offset, bucketCounts: out };
}
