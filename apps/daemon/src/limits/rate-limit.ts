import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { ApiError } from '../http/api-error.js';
import type { RateLimitSpec } from '../settings/rate-limit-spec.js';
import { TokenBuckets } from './token-buckets.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** The rate each token gets. */
  rate: RateLimitSpec;
  /** The clock, epoch ms. */
  now: () => number;
  /** Called once per refused request (metrics). */
  onLimited?: (c: Context<AppEnv>) => void;
  /** Bound on tracked tokens (default {@link TokenBuckets}' default). */
  maxKeys?: number;
}

/** Whole seconds to wait, at least 1: what `Retry-After` carries. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The 429 of a refused request. OFREP and OTLP keep their own protocols, which define a 429 with `Retry-After`
 * and no body of ours; everything under `/api/v1` answers `{code: "rate_limited"}`.
 */
export function tooManyRequests(c: Context, seconds: number): Response {
  const path = c.req.path;
  if (path.startsWith('/ofrep/') || path.startsWith('/v1/')) {
    return c.body(null, 429, { 'Retry-After': String(seconds) });
  }
  throw new ApiError('rate_limited', `too many requests: retry in ${seconds} s`, undefined, {
    'Retry-After': String(seconds),
  });
}

/**
 * Per-token rate limiting: each authenticated token (by name, set by the auth middleware, so mount this after it)
 * gets its own bucket of `rate`. A refused request gets 429 with `Retry-After` in whole seconds.
 *
 * @example
 * app.use('/ofrep/*', rateLimit({ rate: parseRateLimit('1000/s'), now: () => clock.now() }));
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const buckets = new TokenBuckets(options.rate, options.maxKeys);
  return async (c, next) => {
    const key = c.get('principal')?.name ?? 'anonymous';
    const taken = buckets.take(key, options.now());
    if (!taken.ok) {
      options.onLimited?.(c);
      return tooManyRequests(c, retryAfterSeconds(taken.retryAfterMs));
    }
    await next();
  };
}
