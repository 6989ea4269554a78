import { describe, expect, it } from 'vitest';
import { QuantileSketch } from './quantile-sketch.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.round(q * (sorted.length - 1))] ?? Number.NaN;
}

describe('QuantileSketch', () => {
  const rand = lcg(7);
  const values = Array.from({ length: 20_000 }, () => 200 * Math.exp(2 * rand()));
  const sorted = [...values].sort((a, b) => a - b);

  it('answers quantiles within 1% relative error', () => {
    const sketch = new QuantileSketch();
    for (const v of values) sketch.add(v);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs((sketch.quantile(q) ?? 0) - exact) / exact).toBeLessThan(0.0101);
    }
    expect(sketch.count).toBe(20_000);
    expect(sketch.min).toBe(sorted[0]);
    expect(sketch.max).toBe(sorted.at(-1));
  });

  it('merges to the same sketch as adding everything to one', () => {
    const whole = new QuantileSketch();
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    values.forEach((v, i) => {
      whole.add(v);
      (i % 3 === 0 ? a : b).add(v);
    });
    a.merge(b);
    expect(a.serialize().positive).toEqual(whole.serialize().positive);
    expect(a.count).toBe(whole.count);
    expect(a.sum).toBeCloseTo(whole.sum, 6);
    expect(a.quantile(0.99)).toBe(whole.quantile(0.99));
  });

  it('merges negative values too (which the library merge alone drops)', () => {
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    a.add(-5);
    a.add(10);
    b.add(-20);
    b.add(30);
    a.merge(b);
    expect(a.count).toBe(4);
    expect(a.quantile(0)).toBeCloseTo(-20, 0);
    expect(a.countBelow(-10)).toBe(1);
  });

  it('round-trips through JSON exactly', () => {
    const sketch = new QuantileSketch();
    for (const v of values) sketch.add(v);
    sketch.add(0);
    const back = QuantileSketch.deserialize(JSON.parse(JSON.stringify(sketch.serialize())));
    expect(back.serialize()).toEqual(sketch.serialize());
    for (const q of [0, 0.5, 0.99, 1]) expect(back.quantile(q)).toBe(sketch.quantile(q));
    expect([back.count, back.sum, back.min, back.max]).toEqual([
      sketch.count,
      sketch.sum,
      sketch.min,
      sketch.max,
    ]);
  });

  it('round-trips an empty sketch', () => {
    const back = QuantileSketch.deserialize(JSON.parse(JSON.stringify(new QuantileSketch().serialize())));
    expect(back.count).toBe(0);
    expect(back.quantile(0.5)).toBeUndefined();
    back.add(3);
    expect(back.quantile(0.5)).toBeCloseTo(3, 1);
  });

  it('counts values above a quantile exactly up to the quantile bin', () => {
    const sketch = new QuantileSketch();
    for (const v of values) sketch.add(v);
    const p99 = sketch.quantile(0.99) ?? 0;
    const above = sketch.countAbove(p99);
    // Strictly-above-bin counting: at most 1% of the values, and at least those above the bin's upper edge.
    expect(above).toBeLessThanOrEqual(200);
    expect(above).toBeGreaterThanOrEqual(sorted.filter((v) => v > p99 * 1.0202).length);
    expect(above).toBeLessThanOrEqual(sorted.filter((v) => v > p99 / 1.0202).length);
    expect(sketch.countAbove(1e9)).toBe(0);
    expect(sketch.countAbove(-1)).toBe(20_000);
    expect(sketch.countBelow(1e9)).toBe(20_000);
    expect(sketch.countBelow(1)).toBe(0);
  });

  it('keeps at most 2,048 bins however wide the values spread (twenty decades here)', () => {
    const sketch = new QuantileSketch();
    for (let i = 0; i < 100_000; i++) sketch.add(10 ** (rand() * 20 - 5));
    expect(sketch.serialize().positive.counts.length).toBeLessThanOrEqual(2048);
    expect(sketch.count).toBe(100_000);
  });

  it('ignores non-finite values', () => {
    const sketch = new QuantileSketch();
    sketch.add(Number.NaN);
    sketch.add(Number.POSITIVE_INFINITY);
    expect(sketch.count).toBe(0);
  });
});
