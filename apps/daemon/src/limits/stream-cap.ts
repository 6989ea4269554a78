import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { tooManyRequests } from './rate-limit.js';

/** Options of {@link capStreams}. */
export interface StreamCapOptions {
  /** Most streams open at once, over every route this guard is mounted on. */
  max: number;
  /** `Retry-After` of a refused stream, in whole seconds (default 5). */
  retryAfterSeconds?: number;
}

/** A shared count of open streams, with the guard that keeps it under its cap. */
export interface StreamCap {
  /** Mount on each event-stream route. */
  readonly guard: MiddlewareHandler<AppEnv>;
  /** Streams open right now. */
  readonly open: number;
}

/**
 * Caps concurrent long-lived responses (event streams) across every route the returned guard is mounted on.
 * Past the cap a new stream gets 429 with `Retry-After`. A slot is held until the response body ends or the
 * client goes away (the body is passed through a stream that releases on close and on cancel).
 *
 * @example
 * const streams = capStreams({ max: 10_000 });
 * app.use('/api/v1/sync', streams.guard);
 */
export function capStreams(options: StreamCapOptions): StreamCap {
  const retryAfter = options.retryAfterSeconds ?? 5;
  let open = 0;
  const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (open >= options.max) return tooManyRequests(c, retryAfter);
    open += 1;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        open -= 1;
      }
    };
    try {
      await next();
    } catch (error) {
      release();
      throw error;
    }
    const body = c.res.body;
    if (body === null || c.res.status !== 200) {
      release();
      return;
    }
    const reader = body.getReader();
    const tracked = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          release();
          controller.error(error);
        }
      },
      async cancel(reason) {
        release();
        await reader.cancel(reason);
      },
    });
    c.res = new Response(tracked, c.res);
  };
  return {
    guard,
    get open() {
      return open;
    },
  };
}
