import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';

/** Relative accuracy of every sketch in this package: a quantile is within 1% of the true value. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/**
 * Bins kept per sign before the lowest ones collapse together. 2,048 bins at 1% cover more than eight decades
 * (e.g. 0.1 ms to 10^7 ms) without collapsing, so memory stays bounded whatever the span count.
 */
const BIN_LIMIT = 2048;

/** Dense run of bin counts starting at key `start`. */
export interface SketchBinsJson {
  start: number;
  counts: number[];
}

/** JSON-able form of a {@link QuantileSketch}, as persisted by the daemon. */
export interface QuantileSketchJson {
  v: 1;
  relativeAccuracy: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  zeroCount: number;
  positive: SketchBinsJson;
  negative: SketchBinsJson;
}

type Sketch = LogCollapsingLowestDenseDDSketch;
type Store = Sketch['store'];

function storeToJson(store: Store): SketchBinsJson {
  if (store.count === 0) return { start: 0, counts: [] };
  const counts: number[] = [];
  for (let key = store.minKey; key <= store.maxKey; key++) counts.push(store.bins[key - store.offset] ?? 0);
  let first = 0;
  while (first < counts.length && counts[first] === 0) first++;
  let last = counts.length - 1;
  while (last >= first && counts[last] === 0) last--;
  return { start: store.minKey + first, counts: counts.slice(first, last + 1) };
}

function storeFromJson(store: Store, json: SketchBinsJson): void {
  json.counts.forEach((count, i) => {
    if (count > 0) store.add(json.start + i, count);
  });
}

/** Sum of the counts in `store` for keys strictly above `key`. */
function countAboveKey(store: Store, key: number): number {
  if (store.count === 0 || key >= store.maxKey) return 0;
  let total = 0;
  for (let k = Math.max(key + 1, store.minKey); k <= store.maxKey; k++)
    total += store.bins[k - store.offset] ?? 0;
  return total;
}

/**
 * A mergeable quantile sketch (DDSketch, 1% relative accuracy, bounded bins) with exact count, sum, min and max,
 * a JSON round trip and rank queries.
 *
 * Rank queries count whole bins: {@link QuantileSketch.countAbove} counts the values whose bin lies strictly above
 * the bin of `x`. For the latency exceedance test this is not an approximation of the test itself: applied to both
 * arms with the same `x`, it is an exact count of requests slower than the bin's upper edge, a threshold within 1%
 * of `x`. A fixed log-spaced histogram would give the same guarantee at the same cost; reusing the sketch's own
 * bins avoids a second structure per arm and slice.
 */
export class QuantileSketch {
  private readonly sketch: Sketch;

  /** An empty sketch. */
  constructor() {
    this.sketch = new LogCollapsingLowestDenseDDSketch({
      relativeAccuracy: SKETCH_RELATIVE_ACCURACY,
      binLimit: BIN_LIMIT,
    });
  }

  /** Number of values added. */
  get count(): number {
    return this.sketch.count;
  }

  /** Exact sum of the values added. */
  get sum(): number {
    return this.sketch.sum;
  }

  /** Smallest value added, or `undefined` when empty. */
  get min(): number | undefined {
    return this.sketch.count === 0 ? undefined : this.sketch.min;
  }

  /** Largest value added, or `undefined` when empty. */
  get max(): number | undefined {
    return this.sketch.count === 0 ? undefined : this.sketch.max;
  }

  /** Adds `value` `weight` times (weight > 0). Non-finite values are ignored. */
  add(value: number, weight = 1): void {
    if (!Number.isFinite(value) || !(weight > 0)) return;
    this.sketch.accept(value, weight);
  }

  /** The value at quantile `q` (0..1), within 1% relative error; `undefined` when empty. */
  quantile(q: number): number | undefined {
    if (this.sketch.count === 0) return undefined;
    const value = this.sketch.getValueAtQuantile(q);
    // The bin's representative value can fall just outside the observed range; clamp to it.
    return Math.min(Math.max(value, this.sketch.min), this.sketch.max);
  }

  /** Number of values in bins strictly above the bin of `x` (see the class comment). */
  countAbove(x: number): number {
    const s = this.sketch;
    if (s.count === 0) return 0;
    if (x < 0) {
      const negBelowOrAt =
        x < -s.mapping.minPossible ? countAboveKey(s.negativeStore, s.mapping.key(-x) - 1) : 0;
      return s.count - negBelowOrAt;
    }
    if (x <= s.mapping.minPossible) return s.store.count;
    return countAboveKey(s.store, s.mapping.key(x));
  }

  /** Number of values in bins strictly below the bin of `x`; the mirror of {@link QuantileSketch.countAbove}. */
  countBelow(x: number): number {
    const s = this.sketch;
    if (s.count === 0) return 0;
    if (x <= 0) {
      if (x >= -s.mapping.minPossible) return s.negativeStore.count;
      return countAboveKey(s.negativeStore, s.mapping.key(-x));
    }
    if (x <= s.mapping.minPossible) return s.negativeStore.count;
    const key = s.mapping.key(x);
    return s.count - countAboveKey(s.store, key - 1);
  }

  /** Merges `other` into this sketch (in place). Counts and sums add exactly. */
  merge(other: QuantileSketch): void {
    const a = this.sketch;
    const b = other.sketch;
    if (b.count === 0) return;
    const bothFilled = a.count > 0;
    a.merge(b);
    // The library's merge skips the negative store when both sketches are filled.
    if (bothFilled) a.negativeStore.merge(b.negativeStore);
  }

  /** A deep copy. */
  clone(): QuantileSketch {
    return QuantileSketch.deserialize(this.serialize());
  }

  /** JSON-able form; {@link QuantileSketch.deserialize} restores it exactly (bins, count, sum, min, max). */
  serialize(): QuantileSketchJson {
    const s = this.sketch;
    return {
      v: 1,
      relativeAccuracy: SKETCH_RELATIVE_ACCURACY,
      count: s.count,
      sum: s.sum,
      min: s.count === 0 ? null : s.min,
      max: s.count === 0 ? null : s.max,
      zeroCount: s.zeroCount,
      positive: storeToJson(s.store),
      negative: storeToJson(s.negativeStore),
    };
  }

  /** Restores a sketch from {@link QuantileSketch.serialize}'s output. Throws on an unknown form. */
  static deserialize(json: QuantileSketchJson): QuantileSketch {
    if (json.v !== 1 || json.relativeAccuracy !== SKETCH_RELATIVE_ACCURACY) {
      throw new Error(`unsupported sketch form (v=${json.v}, relativeAccuracy=${json.relativeAccuracy})`);
    }
    const out = new QuantileSketch();
    const s = out.sketch;
    storeFromJson(s.store, json.positive);
    storeFromJson(s.negativeStore, json.negative);
    s.zeroCount = json.zeroCount;
    s.count = json.count;
    s.sum = json.sum;
    s.min = json.min ?? Number.POSITIVE_INFINITY;
    s.max = json.max ?? Number.NEGATIVE_INFINITY;
    return out;
  }
}
