import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../app-env.js';
import { requestIdOf } from '../http/request-id.js';
import type { DaemonMetrics } from './daemon-metrics.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Hot paths (evaluation, ingest, provider polling, probes) log at debug; admin requests at info. */
function isHotPath(path: string): boolean {
  return (
    path.startsWith('/ofrep/') ||
    path.startsWith('/v1/') ||
    path === '/api/v1/track' ||
    path === '/api/v1/scores' ||
    path === '/api/v1/config' ||
    path === '/healthz' ||
    path === '/readyz' ||
    path === '/metrics'
  );
}

/**
 * Gives each request an id (`X-Request-Id`, kept when the client sent a sane one), then logs one line and records
 * the HTTP metrics when it ends. Never logs headers, so tokens stay out of the log.
 *
 * On hot paths the id is lazy: a client's own id is echoed as always, but none is generated unless the request is
 * logged (debug level, or an unhandled error: {@link requestIdOf}), so an evaluation answers without building a
 * response `Headers` object. Admin requests always get one.
 */
export function observeRequests(logger: Logger, metrics: DaemonMetrics): MiddlewareHandler<AppEnv> {
  const { httpRequests, httpDuration } = metrics;
  return async (c, next) => {
    const started = performance.now();
    const path = c.req.path;
    const hot = isHotPath(path);
    const given = c.req.header('x-request-id');
    if (given !== undefined && REQUEST_ID.test(given)) {
      c.set('requestId', given);
      c.header('X-Request-Id', given);
    } else if (!hot) {
      requestIdOf(c);
    }
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const status = c.res.status;
      const matched = routePath(c, -1);
      const route = status === 404 && (matched === '' || matched.endsWith('*')) ? 'unmatched' : matched;
      const method = c.req.method;
      httpRequests.cell(method, route, String(status)).pending++;
      httpDuration.cell(method, route).observe(seconds);
      if (!hot || logger.isLevelEnabled('debug')) {
        const line = {
          requestId: requestIdOf(c),
          method,
          path,
          route,
          status,
          ms: Math.round(seconds * 100_000) / 100,
          actor: c.get('principal')?.name,
        };
        if (hot) logger.debug(line, 'request');
        else logger.info(line, 'request');
      }
    }
  };
}
