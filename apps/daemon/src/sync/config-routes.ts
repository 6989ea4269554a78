import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { type ConfigSnapshot, isNewer } from '../config/config-service.js';
import { matchesIfNoneMatch } from '../http/etag.js';
import { encodeSse, FrameFanOut, OpenStreams } from '../http/event-stream.js';

/** Each snapshot's whole `config` event, encoded once whoever asks (every client that connects). */
const configFrames = new WeakMap<ConfigSnapshot, Uint8Array>();
export function configFrame(snapshot: ConfigSnapshot): Uint8Array {
  let frame = configFrames.get(snapshot);
  if (frame === undefined) {
    frame = encodeSse({ event: 'config', id: String(snapshot.revision), data: snapshot.json });
    configFrames.set(snapshot, frame);
  }
  return frame;
}

/**
 * Each snapshot's `config` event for streams that had the previous snapshot, encoded once: only the bundles that
 * snapshot lacked travel, so a version's bundle is sent once, not at every step of its rollout.
 */
const deltaFrames = new WeakMap<ConfigSnapshot, Uint8Array>();
function deltaFrame(snapshot: ConfigSnapshot): Uint8Array {
  if (snapshot.deltaJson === snapshot.json) return configFrame(snapshot);
  let frame = deltaFrames.get(snapshot);
  if (frame === undefined) {
    frame = encodeSse({ event: 'config', id: String(snapshot.revision), data: snapshot.deltaJson });
    deltaFrames.set(snapshot, frame);
  }
  return frame;
}

/**
 * What providers consume: `GET /api/v1/config` (the snapshot, `ETag`, 304 on `If-None-Match`) and
 * `GET /api/v1/sync` (SSE: the full snapshot on connect, unless `Last-Event-ID` already names the current
 * revision, and again at every new revision; a client that missed revisions converges on the next one).
 */
export function registerConfigRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const streams = new OpenStreams(ctx, 'config');
  // One listener for every stream: each new snapshot is encoded once and written to all of them after the
  // committing request has been answered.
  const fanOut = new FrameFanOut(deltaFrame);
  ctx.config.subscribe((snapshot) => fanOut.publish(snapshot));
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
      let sent = ctx.config.current();
      if (lastEventId !== String(sent.revision)) sink.write(configFrame(sent));
      return fanOut.subscribe((frame, snapshot) => {
        if (!isNewer(snapshot, sent)) return;
        sent = snapshot;
        sink.write(frame);
      });
    });
  });
}
