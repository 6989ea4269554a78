import { describe, expect, it } from 'vitest';
import { CumulativeToDelta } from './cumulative-to-delta.js';
import type { DecodedMetricPoint } from './decode-metrics.js';
import type { OtlpExponentialHistogramPoint, OtlpHistogramPoint, OtlpSumPoint } from './ingest-sink.js';

const common = { metric: 'calls', unit: '', attributes: { 'feature_flag.key': 'f' } };

function sum(series: string, value: number, timeMs: number, startMs = 1_000): DecodedMetricPoint {
  const point: OtlpSumPoint = {
    ...common,
    kind: 'sum',
    value,
    monotonic: true,
    temporality: 'cumulative',
    startMs,
    timeMs,
  };
  return { point, series };
}

function histogram(
  series: string,
  bucketCounts: number[],
  timeMs: number,
  bounds = [10],
): DecodedMetricPoint {
  const point: OtlpHistogramPoint = {
    ...common,
    kind: 'histogram',
    count: bucketCounts.reduce((a, b) => a + b, 0),
    sum: bucketCounts.length * 5,
    bucketCounts,
    explicitBounds: bounds,
    min: 1,
    max: 9,
    startMs: 1_000,
    timeMs,
  };
  return { point, series };
}

const values = (points: ReturnType<CumulativeToDelta['toDeltas']>) =>
  points.map((p) => (p.kind === 'sum' ? [p.value, p.startMs, p.timeMs] : p.kind));

describe('CumulativeToDelta', () => {
  it('counts a series that started while listening in full, then only what was added', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 500 });
    expect(values(deltas.toDeltas([sum('a', 3, 2_000), sum('a', 5, 3_000), sum('a', 5, 4_000)]))).toEqual([
      [3, 1_000, 2_000],
      [2, 2_000, 3_000],
      [0, 3_000, 4_000],
    ]);
  });

  it('takes the first value of a series older than the converter as a baseline only', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 5_000 });
    expect(values(deltas.toDeltas([sum('a', 100, 6_000), sum('a', 104, 7_000)]))).toEqual([
      [4, 6_000, 7_000],
    ]);
  });

  it('treats a drop or a newer start time as a reset that counts the new value whole', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 0 });
    const out = deltas.toDeltas([sum('a', 10, 2_000), sum('a', 4, 3_000), sum('a', 9, 5_000, 4_000)]);
    expect(values(out)).toEqual([
      [10, 1_000, 2_000],
      [4, 1_000, 3_000],
      [9, 4_000, 5_000],
    ]);
  });

  it('drops a point that is not newer than the last one of its series', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 0 });
    expect(values(deltas.toDeltas([sum('a', 10, 2_000), sum('a', 12, 2_000), sum('a', 8, 1_500)]))).toEqual([
      [10, 1_000, 2_000],
    ]);
  });

  it('keeps series apart and forgets the least recently updated beyond its bound', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 5_000, maxSeries: 2 });
    deltas.toDeltas([sum('a', 1, 6_000), sum('b', 1, 6_000), sum('a', 2, 7_000), sum('c', 1, 6_000)]);
    expect(deltas.size).toBe(2);
    // `b` was forgotten: its next value is a new baseline; `a` was kept.
    expect(values(deltas.toDeltas([sum('a', 3, 8_000), sum('b', 5, 8_000)]))).toEqual([[1, 7_000, 8_000]]);
  });

  it('passes delta points through untouched', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 0 });
    const delta = { ...sum('x', 7, 2_000), series: undefined };
    expect(deltas.toDeltas([delta, delta])).toEqual([delta.point, delta.point]);
  });

  it('subtracts histogram buckets, and resets when the bounds change', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 0 });
    const out = deltas.toDeltas([
      histogram('h', [1, 2], 2_000),
      histogram('h', [3, 2], 3_000),
      histogram('h', [1, 1, 1], 4_000, [10, 20]),
    ]);
    expect(
      out.map((p) => (p.kind === 'histogram' ? [p.count, p.bucketCounts, p.sum, p.min] : p.kind)),
    ).toEqual([
      [3, [1, 2], 10, 1],
      [2, [2, 0], 0, undefined],
      [3, [1, 1, 1], 15, 1],
    ]);
  });

  it('subtracts exponential buckets aligned by index when offsets differ', () => {
    const deltas = new CumulativeToDelta({ startedAtMs: 0 });
    const exp = (offset: number, bucketCounts: number[], timeMs: number): DecodedMetricPoint => {
      const point: OtlpExponentialHistogramPoint = {
        ...common,
        kind: 'exponential_histogram',
        count: bucketCounts.reduce((a, b) => a + b, 0),
        sum: undefined,
        scale: 2,
        zeroCount: 0,
        positive: { offset, bucketCounts },
        negative: { offset: 0, bucketCounts: [] },
        min: undefined,
        max: undefined,
        startMs: 1_000,
        timeMs,
      };
      return { point, series: 'e' };
    };
    const [, second] = deltas.toDeltas([exp(5, [1, 1], 2_000), exp(4, [2, 1, 3], 3_000)]);
    expect(second).toMatchObject({ count: 4, positive: { offset: 4, bucketCounts: [2, 0, 2] } });
  });
});
