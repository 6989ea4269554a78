import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { rateLimit } from './rate-limit.js';
import { capStreams, type StreamCap } from './stream-cap.js';

/** Paths that read a request body through their protocol's own parser (OFREP): capped here, in one place. */
export const OFREP_EVALUATE_PATHS = ['/ofrep/v1/evaluate/flags', '/ofrep/v1/evaluate/flags/*'] as const;

/** Ingest paths sharing the `ingest` rate limit. */
export const INGEST_PATHS = ['/v1/traces', '/v1/metrics', '/api/v1/track', '/api/v1/scores'] as const;

/** Event-stream paths sharing the stream cap. */
export const STREAM_PATHS = ['/api/v1/sync', '/api/v1/events', '/ofrep/v1/events'] as const;

/**
 * OFREP's body limit. A declared `Content-Length` is checked from the header alone: hono's `bodyLimit` reads
 * `c.req.raw.body`, which makes @hono/node-server build a full web `Request` and `ReadableStream` for every
 * evaluation (about 60 µs of CPU per request, more than half of an evaluation's cost; docs/benchmarks.md). A body
 * without a declared length (chunked) still goes through `bodyLimit`, which counts it as it streams.
 */
function ofrepBodyLimit(maxSize: number): MiddlewareHandler<AppEnv> {
  const streamed = bodyLimit({ maxSize, onError: (c) => c.body(null, 413) });
  return (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number.parseInt(declared, 10) > maxSize ? Promise.resolve(c.body(null, 413)) : next();
    }
    return streamed(c, next);
  };
}

/**
 * Mounts the daemon's request limits, after authentication and before every route: OFREP's body size (its 413 has
 * no body, like its 401/403), per-token rate limits on OFREP and ingest when `settings` configure them, and the cap
 * on open event streams. Returns the stream cap (its `open` count is what `/metrics` and tests can watch).
 */
export function registerLimits(app: Hono<AppEnv>, ctx: AppContext): StreamCap {
  const { settings } = ctx;
  const now = () => ctx.clock.now();
  const ofrepBody = ofrepBodyLimit(settings.bodyLimitBytes);
  for (const path of OFREP_EVALUATE_PATHS) app.use(path, ofrepBody);
  if (settings.rateLimitOfrep !== undefined) {
    app.use('/ofrep/*', rateLimit({ rate: settings.rateLimitOfrep, now }));
  }
  if (settings.rateLimitIngest !== undefined) {
    // One bucket per token across every ingest path: `rateLimit` keeps its buckets per instance.
    const ingest = rateLimit({ rate: settings.rateLimitIngest, now });
    for (const path of INGEST_PATHS) app.use(path, ingest);
  }
  const streams = capStreams({ max: settings.maxStreams });
  for (const path of STREAM_PATHS) app.use(path, streams.guard);
  return streams;
}
