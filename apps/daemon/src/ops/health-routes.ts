import type { Health, Readiness } from '@prompt-canary/api-types';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';

/** Tells readiness probes that the daemon is shutting down. */
export interface Lifecycle {
  readonly closing: boolean;
}

/**
 * `/healthz` (the process answers) and `/readyz` (the database answers and the daemon is not shutting down),
 * open without a token. `/metrics` (scope `read`) serves the Prometheus text.
 */
export function registerOpsRoutes(app: Hono<AppEnv>, ctx: AppContext, lifecycle: Lifecycle): void {
  ctx.docs.add(
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness',
      scope: null,
      tags: ['ops'],
      responses: { 200: 'ok' },
    },
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness',
      scope: null,
      tags: ['ops'],
      responses: { 200: 'ready', 503: 'not ready' },
    },
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      scope: 'read',
      tags: ['ops'],
      responses: { 200: 'text' },
    },
  );
  app.get('/healthz', (c) => c.json({ status: 'ok', version: ctx.settings.version } satisfies Health));

  app.get('/readyz', (c) => {
    if (lifecycle.closing) return c.json({ status: 'shutting_down' } satisfies Readiness, 503);
    try {
      ctx.store.ping();
    } catch {
      return c.json({ status: 'database_unavailable' } satisfies Readiness, 503);
    }
    return c.json({ status: 'ready', revision: ctx.config.current().revision } satisfies Readiness);
  });

  app.get('/metrics', async (c) => {
    ctx.metrics.configRevision.set(ctx.config.current().revision);
    const text = await ctx.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': ctx.metrics.registry.contentType });
  });
}
