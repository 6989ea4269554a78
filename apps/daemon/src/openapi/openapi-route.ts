import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';

/** `GET /openapi.json` (open): the document of every route registered before the first request. */
export function registerOpenApiRoute(app: Hono<AppEnv>, ctx: AppContext): void {
  let cached: string | undefined;
  ctx.docs.add({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    scope: null,
    tags: ['ops'],
    responses: { 200: 'OpenAPI 3.1' },
  });
  app.get('/openapi.json', (c) => {
    cached ??= JSON.stringify(ctx.docs.document(ctx.settings.version));
    return c.body(cached, 200, { 'content-type': 'application/json' });
  });
}
