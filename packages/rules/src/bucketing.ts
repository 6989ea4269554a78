import { murmur3 } from './murmur3.js';

/** Buckets in a split: 10,000, so a weight has 0.01% resolution. */
export const TOTAL_BUCKETS = 10000;

const TWO_POW_32 = 2 ** 32;

/**
 * The bucket (0 to `total - 1`) a hash input falls in: `floor(murmur3(hashInput) * total / 2^32)`, flagd's
 * `fractional` (v2) arithmetic. `hashInput` is `flagKey + bucketValue` for a split.
 *
 * The product stays below 2^53 for any `total` up to 2^21, so the arithmetic is exact.
 */
export function bucketOf(hashInput: string, total: number): number {
  return Math.floor((murmur3(hashInput) * total) / TWO_POW_32);
}

/**
 * Maps a hash (unsigned 32-bit) to its bucket out of `total`, for callers that already hold the hash.
 */
export function bucketOfHash(hash: number, total: number): number {
  return Math.floor((hash * total) / TWO_POW_32);
}

/**
 * Converts a percentage with at most two decimals into buckets out of `TOTAL_BUCKETS`, exactly:
 * `0.01` → 1, `33.33` → 3333, `100` → 10000. Rounding absorbs binary floating-point noise (`0.29 * 100` is
 * `28.999999999999996`); validation rejects weights with more than two decimals before they get here.
 */
export function weightToBuckets(percent: number): number {
  return Math.round(percent * 100);
}

/** True when `percent` has at most two decimals (allowing for floating-point noise). */
export function hasAtMostTwoDecimals(percent: number): boolean {
  const scaled = percent * 100;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/**
 * The exclusive upper bucket of each arm, in listed order: arm `i` owns buckets `[bounds[i-1], bounds[i])`
 * (`bounds[-1]` being 0). Listing the canary first makes raising its weight only add buckets to it.
 */
export function armUpperBounds(weights: ReadonlyArray<number>): number[] {
  const bounds: number[] = [];
  let sum = 0;
  for (const weight of weights) {
    sum += weightToBuckets(weight);
    bounds.push(sum);
  }
  return bounds;
}
