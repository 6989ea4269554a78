import type { SegmentView } from '@prompt-canary/api-types';
import { conditionSchema } from '@prompt-canary/rules';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { type AppEnv, actorOf } from '../app-env.js';
import { commitChange } from '../changes/commit-change.js';
import { ApiError } from '../http/api-error.js';
import { checkIfMatch } from '../http/etag.js';
import { limitBody, readBody } from '../http/request-body.js';
import type { StoredSegment } from './segment-store.js';

/** Body of `PUT /api/v1/segments/{name}`. */
export const segmentBodySchema = z.strictObject({ match: conditionSchema });

/** Segment names: the same alphabet as pack names. */
export const SEGMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The API view of a segment. */
export function segmentView(segment: StoredSegment) {
  return {
    name: segment.name,
    match: segment.match,
    createdAt: segment.createdAt,
    updatedAt: segment.updatedAt,
  };
}

function checkName(name: string): void {
  if (!SEGMENT_NAME.test(name)) {
    throw new ApiError('invalid_body', `segment name "${name}" must match ${SEGMENT_NAME.source}`, ['name']);
  }
}

/** `GET /api/v1/segments`, `GET|PUT|DELETE /api/v1/segments/{name}`: named segments `{match}`. */
export function registerSegmentRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const tags = ['segments'];
  ctx.docs.add(
    {
      method: 'get',
      path: '/api/v1/segments',
      summary: 'List segments',
      scope: 'read',
      tags,
      responses: { 200: 'segments' },
    },
    {
      method: 'get',
      path: '/api/v1/segments/:name',
      summary: 'Read a segment',
      scope: 'read',
      tags,
      responses: { 200: 'the segment', 404: 'not_found' },
    },
    {
      method: 'put',
      path: '/api/v1/segments/:name',
      summary: 'Create or replace a named segment',
      scope: 'admin',
      tags,
      body: segmentBodySchema,
      yaml: true,
      responses: {
        200: 'replaced',
        201: 'created',
        400: 'invalid_body',
        412: 'precondition_failed',
        413: 'payload_too_large',
        415: 'unsupported_media_type',
      },
    },
    {
      method: 'delete',
      path: '/api/v1/segments/:name',
      summary: 'Delete a segment',
      scope: 'admin',
      tags,
      responses: { 204: 'deleted', 404: 'not_found', 412: 'precondition_failed' },
    },
  );
  app.get('/api/v1/segments', (c) =>
    c.json(ctx.store.segments.list().map(segmentView) satisfies SegmentView[]),
  );

  app.get('/api/v1/segments/:name', (c) => {
    const segment = ctx.store.segments.get(c.req.param('name'));
    if (!segment) throw new ApiError('not_found', `no segment "${c.req.param('name')}"`);
    c.header('ETag', segment.etag);
    return c.json(segmentView(segment) satisfies SegmentView);
  });

  app.put('/api/v1/segments/:name', limitBody(ctx.settings.bodyLimitBytes), async (c) => {
    const name = c.req.param('name');
    checkName(name);
    const { match } = await readBody(c, segmentBodySchema, { yaml: true });
    const before = ctx.store.segments.get(name);
    checkIfMatch(c, before?.etag);
    const { result } = commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'segment.put',
        target: `segment:${name}`,
        before: before && { match: before.match },
        after: { match },
        // Packs copy a segment's condition into their flag when they compile; the config itself is unchanged.
        configChanged: false,
      },
      (store) => store.segments.put(name, match, new Date(ctx.clock.now()).toISOString()),
    );
    c.header('ETag', result.etag);
    return c.json(segmentView(result) satisfies SegmentView, before ? 200 : 201);
  });

  app.delete('/api/v1/segments/:name', (c) => {
    const name = c.req.param('name');
    const before = ctx.store.segments.get(name);
    if (!before) throw new ApiError('not_found', `no segment "${name}"`);
    checkIfMatch(c, before.etag);
    commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'segment.delete',
        target: `segment:${name}`,
        before: { match: before.match },
        configChanged: false,
      },
      (store) => store.segments.delete(name),
    );
    return c.body(null, 204);
  });
}
