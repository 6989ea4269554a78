import type { RateLimitSpec } from '../settings/rate-limit-spec.js';

/** The outcome of {@link TokenBuckets.take}: allowed, or refused with the wait until one more is allowed. */
export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Default bound on how many keys are tracked at once. */
export const DEFAULT_MAX_KEYS = 100_000;

/**
 * Token buckets, one per key (a token's name): each holds up to `limit` and refills at `limit / periodMs`. The
 * map is bounded: past `maxKeys` the least recently used key is forgotten (it starts again with a full bucket,
 * which errs on the side of serving). Time comes in as an argument, so a manual clock drives it in tests; a clock
 * that goes back is treated as standing still.
 */
export class TokenBuckets {
  readonly #rate: RateLimitSpec;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(rate: RateLimitSpec, maxKeys = DEFAULT_MAX_KEYS) {
    this.#rate = rate;
    this.#maxKeys = maxKeys;
  }

  /** How many keys are tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token from `key`'s bucket at `nowMs`. */
  take(key: string, nowMs: number): TakeResult {
    const { limit, periodMs } = this.#rate;
    const perMs = limit / periodMs;
    const bucket = this.#buckets.get(key) ?? { tokens: limit, at: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.at);
    bucket.tokens = Math.min(limit, bucket.tokens + elapsed * perMs);
    bucket.at = Math.max(bucket.at, nowMs);
    // Re-insert: Map order is the eviction order (least recently used first).
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / perMs) };
  }
}
