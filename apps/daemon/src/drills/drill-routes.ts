import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { type AppEnv, actorOf } from '../app-env.js';
import { ApiError } from '../http/api-error.js';
import { invalidBody, limitBody, readRawBody } from '../http/request-body.js';
import { parseDuration } from '../packs/pack-units.js';
import { DEFAULT_DRILL_TIMEOUT_MS, type DrillDeps, runDrill } from './run-drill.js';

/** The longest a drill may wait for its evidence: 10 minutes. */
const MAX_DRILL_TIMEOUT_MS = 600_000;

const drillBodySchema = z.strictObject({
  timeout: z
    .union([z.string(), z.number()])
    .describe('How long to wait for the evidence (default 30s, at most 10m)')
    .optional(),
  reason: z.string().max(2000).optional(),
});

function timeoutOf(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_DRILL_TIMEOUT_MS;
  const parsed = typeof value === 'number' ? { ok: true as const, value } : parseDuration(value);
  if (!parsed.ok || !(parsed.value > 0) || parsed.value > MAX_DRILL_TIMEOUT_MS) {
    throw new ApiError('invalid_body', 'timeout is a duration from 1ms to 10m, e.g. 30s', ['timeout']);
  }
  return parsed.value;
}

/**
 * `POST /api/v1/packs/{name}/drill` (scope `operate`): runs a rollback drill ({@link runDrill}) and answers 200
 * `{ok, steps: [{name, ok, ms, detail}]}` whether or not every step held; 404 for an unknown pack.
 */
export function registerDrillRoutes(
  app: Hono<AppEnv>,
  ctx: AppContext,
  deps: Omit<DrillDeps, keyof AppContext | 'store'>,
): void {
  ctx.docs.add({
    method: 'post',
    path: '/api/v1/packs/{name}/drill',
    summary:
      'Rollback drill: commit and push a revision that changes nothing served, wait for apps to apply it and webhooks to arrive',
    scope: 'operate',
    tags: ['packs'],
    body: drillBodySchema,
    responses: { 200: '{ok, steps: [{name, ok, ms, detail}]}', 400: 'invalid_body', 404: 'not_found' },
  });
  app.post('/api/v1/packs/:name/drill', limitBody(ctx.settings.bodyLimitBytes), async (c) => {
    const name = c.req.param('name');
    const length = c.req.header('content-length');
    const hasBody = c.req.header('content-type') !== undefined || (length !== undefined && length !== '0');
    const parsed = drillBodySchema.safeParse(hasBody ? await readRawBody(c) : {});
    if (!parsed.success) throw invalidBody(parsed.error);
    const timeoutMs = timeoutOf(parsed.data.timeout);
    if (ctx.store.packs.get(name) === undefined) throw new ApiError('not_found', `no pack "${name}"`);
    const report = await runDrill(
      { ...deps, store: ctx.store, feed: ctx.feed, clock: ctx.clock },
      { pack: name, actor: actorOf(c), reason: parsed.data.reason, timeoutMs },
    );
    return c.json(report);
  });
}
