import { describe, expect, it } from 'vitest';
import { TraceReservoir } from './trace-reservoir.js';

/** A seeded generator (mulberry32), so that the uniformity test is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const trace = (i: number) => ({ traceId: i.toString(16).padStart(32, '0'), variant: 'v', endMs: i });

describe('TraceReservoir', () => {
  it('keeps everything while fewer than its size were offered, then starts afresh', () => {
    const reservoir = new TraceReservoir(5, seeded(1));
    for (let i = 0; i < 3; i++) reservoir.offer(trace(i));
    expect(reservoir.draw().map((t) => t.endMs)).toEqual([0, 1, 2]);
    expect(reservoir.draw()).toEqual([]);
    expect(reservoir.seen).toBe(0);
  });

  it('never holds more than its size', () => {
    const reservoir = new TraceReservoir(10, seeded(2));
    for (let i = 0; i < 10_000; i++) reservoir.offer(trace(i));
    expect(reservoir.seen).toBe(10_000);
    const drawn = reservoir.draw();
    expect(drawn).toHaveLength(10);
    expect(new Set(drawn.map((t) => t.traceId)).size).toBe(10);
  });

  it('draws every position of the stream equally often over many batches (chi-square, 10 bins)', () => {
    const random = seeded(42);
    const reservoir = new TraceReservoir(10, random);
    const streamLength = 100;
    const batches = 4000;
    const bins = new Array<number>(10).fill(0);
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < streamLength; i++) reservoir.offer(trace(i));
      for (const t of reservoir.draw())
        bins[Math.floor(t.endMs / 10)] = (bins[Math.floor(t.endMs / 10)] ?? 0) + 1;
    }
    const expected = (batches * 10) / bins.length;
    const chi2 = bins.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: 27.88 is the 0.999 quantile. A sampler biased toward the start or the end fails it.
    expect(chi2).toBeLessThan(27.88);
  });
});
