import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import type { ConfigSnapshot } from '../config/config-service.js';
import { matchesIfNoneMatch } from '../http/etag.js';
import { OpenStreams } from './event-stream.js';

function configEvent(snapshot: ConfigSnapshot) {
  return { event: 'config', id: String(snapshot.revision), data: snapshot.json };
}

/**
 * What providers consume: `GET /api/v1/config` (the snapshot, `ETag`, 304 on `If-None-Match`) and
 * `GET /api/v1/sync` (SSE: the full snapshot on connect, unless `Last-Event-ID` already names the current
 * revision, and again at every new revision; a client that missed revisions converges on the next one).
 */
export function registerConfigRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const streams = new OpenStreams(ctx, 'config');
  ctx.docs.add(
    {
      method: 'get',
      path: '/api/v1/config',
      summary: 'The config snapshot {schemaVersion, revision, flags} (ETag; 304 on If-None-Match)',
      scope: 'evaluate',
      tags: ['config'],
      responses: { 200: 'snapshot', 304: 'unchanged' },
    },
    {
      method: 'get',
      path: '/api/v1/sync',
      summary: 'Server-sent events: `config` with the snapshot on connect and at every revision',
      scope: 'evaluate',
      tags: ['config'],
      responses: { 200: 'text/event-stream' },
    },
  );

  app.get('/api/v1/config', (c) => {
    const snapshot = ctx.config.current();
    c.header('ETag', snapshot.etag);
    c.header('Cache-Control', 'no-cache');
    if (matchesIfNoneMatch(c, snapshot.etag)) return c.body(null, 304);
    return c.body(snapshot.json, 200, { 'content-type': 'application/json; charset=UTF-8' });
  });

  app.get('/api/v1/sync', (c) => {
    const lastEventId = c.req.header('last-event-id');
    return streams.serve(c, (sink) => {
      const current = ctx.config.current();
      if (lastEventId !== String(current.revision)) sink.send(configEvent(current));
      return ctx.config.subscribe((snapshot) => sink.send(configEvent(snapshot)));
    });
  });
}
