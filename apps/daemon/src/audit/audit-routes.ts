import type { AuditPage } from '@prompt-canary/api-types';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { ApiError } from '../http/api-error.js';
import type { AuditEntry } from './audit-store.js';

/** Query of `GET /api/v1/audit`. */
export const auditQuerySchema = z.strictObject({
  pack: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});

/** The API view of an audit entry. */
export function auditView(entry: AuditEntry) {
  return {
    id: entry.id,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    pack: entry.pack,
    reason: entry.reason,
    before: entry.before,
    after: entry.after,
    revision: entry.revision,
  };
}

/** `GET /api/v1/audit?pack=&limit=&cursor=`: newest first, `{items, nextCursor}`. */
export function registerAuditRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  ctx.docs.add({
    method: 'get',
    path: '/api/v1/audit',
    summary: 'The audit log, newest first, paginated',
    scope: 'read',
    tags: ['audit'],
    query: auditQuerySchema,
    responses: { 200: '{items, nextCursor}', 400: 'invalid_query' },
  });
  app.get('/api/v1/audit', (c) => {
    const parsed = auditQuerySchema.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = (issue?.path ?? []).map(String);
      throw new ApiError('invalid_query', `${path.join('.')}: ${issue?.message ?? 'invalid query'}`, path);
    }
    const { pack, limit, cursor } = parsed.data;
    const page = ctx.store.audit.list({
      limit,
      ...(pack === undefined ? {} : { pack }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    return c.json({ items: page.items.map(auditView), nextCursor: page.nextCursor } satisfies AuditPage);
  });
}
