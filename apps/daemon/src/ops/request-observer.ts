import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../app-env.js';
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
 */
export function observeRequests(logger: Logger, metrics: DaemonMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const status = c.res.status;
      const matched = routePath(c, -1);
      const route = status === 404 && (matched === '' || matched.endsWith('*')) ? 'unmatched' : matched;
      const method = c.req.method;
      metrics.httpRequests.inc({ method, route, status: String(status) });
      metrics.httpDuration.observe({ method, route }, seconds);
      const line = {
        requestId,
        method,
        path: c.req.path,
        route,
        status,
        ms: Math.round(seconds * 100_000) / 100,
        actor: c.get('principal')?.name,
      };
      if (isHotPath(c.req.path)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    }
  };
}
