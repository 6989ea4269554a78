import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { type ConfigSnapshot, isNewer } from '../config/config-service.js';
import { etagOf, matchesIfNoneMatch } from '../http/etag.js';
import { encodeSse, FrameFanOut, OpenStreams } from '../http/event-stream.js';
import {
  isOfrepFailure,
  type OfrepFailure,
  type OfrepSuccess,
  type ParsedContext,
  parseOfrepContext,
  toOfrep,
} from './ofrep-evaluation.js';

/** Path of the OFREP change-notification stream advertised in bulk answers (ADR-0008). */
export const OFREP_EVENTS_PATH = '/ofrep/v1/events';

/** An OFREP request body, as documented (parsing keeps OFREP's own error codes, see `parseOfrepContext`). */
export const ofrepRequestSchema = z.object({
  context: z.looseObject({ targetingKey: z.string().optional() }),
});

const JSON_TYPE = { 'content-type': 'application/json' };

async function readContext(c: Context): Promise<ParsedContext> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    return { ok: false, errorCode: 'PARSE_ERROR', errorDetails: 'request body is not valid JSON' };
  }
  return parseOfrepContext(body);
}

/** Each snapshot's `refetchEvaluation` event, encoded once. */
const refetchFrames = new WeakMap<ConfigSnapshot, Uint8Array>();
function refetchFrame(snapshot: ConfigSnapshot): Uint8Array {
  let frame = refetchFrames.get(snapshot);
  if (frame === undefined) {
    frame = encodeSse({
      event: 'message',
      id: String(snapshot.revision),
      data: JSON.stringify({ type: 'refetchEvaluation', etag: snapshot.etag }),
    });
    refetchFrames.set(snapshot, frame);
  }
  return frame;
}

/**
 * The OpenFeature Remote Evaluation Protocol: single and bulk evaluation, evaluated by the snapshot's compiled
 * evaluator (the same one, and the same hash, as the in-process provider), and the `refetchEvaluation` stream.
 */
export function registerOfrepRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const streams = new OpenStreams(ctx, 'ofrep');
  const fanOut = new FrameFanOut(refetchFrame);
  ctx.config.subscribe((snapshot) => fanOut.publish(snapshot));
  const { metrics, clock, config } = ctx;
  const tags = ['ofrep'];
  ctx.docs.add(
    {
      method: 'post',
      path: '/ofrep/v1/evaluate/flags/:key',
      summary: 'OFREP: evaluate one flag',
      scope: 'evaluate',
      tags,
      body: ofrepRequestSchema,
      responses: {
        200: 'evaluation',
        400: 'evaluation failure',
        401: 'no token',
        403: 'no scope',
        404: 'FLAG_NOT_FOUND',
      },
    },
    {
      method: 'post',
      path: '/ofrep/v1/evaluate/flags',
      summary: 'OFREP: evaluate every flag (ETag; 304 on If-None-Match)',
      scope: 'evaluate',
      tags,
      body: ofrepRequestSchema,
      responses: { 200: 'evaluations', 304: 'unchanged', 400: 'bulk failure' },
    },
    {
      method: 'get',
      path: OFREP_EVENTS_PATH,
      summary: 'OFREP event stream: refetchEvaluation notices (ADR-0008)',
      scope: 'evaluate',
      tags,
      responses: { 200: 'text/event-stream' },
    },
  );

  const count = (result: OfrepSuccess | OfrepFailure) => {
    const reason = isOfrepFailure(result) ? 'ERROR' : result.reason;
    const variant = isOfrepFailure(result) ? '' : (result.variant ?? '');
    metrics.evaluations.cell(result.key, variant, reason).pending++;
  };

  app.post('/ofrep/v1/evaluate/flags/:key', async (c) => {
    const key = c.req.param('key');
    const parsed = await readContext(c);
    if (!parsed.ok) {
      return c.body(
        JSON.stringify({ key, errorCode: parsed.errorCode, errorDetails: parsed.errorDetails }),
        400,
        JSON_TYPE,
      );
    }
    const snapshot = config.current();
    if (!Object.hasOwn(snapshot.flags, key)) {
      const notFound = { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag '${key}' was not found` };
      return c.body(JSON.stringify(notFound), 404, JSON_TYPE);
    }
    const result = toOfrep(key, snapshot.evaluator.evaluate(key, parsed.context, clock.now()));
    count(result);
    return c.body(JSON.stringify(result), isOfrepFailure(result) ? 400 : 200, JSON_TYPE);
  });

  app.post('/ofrep/v1/evaluate/flags', async (c) => {
    const parsed = await readContext(c);
    if (!parsed.ok) {
      return c.body(
        JSON.stringify({ errorCode: parsed.errorCode, errorDetails: parsed.errorDetails }),
        400,
        JSON_TYPE,
      );
    }
    const snapshot = config.current();
    const now = clock.now();
    const flags = Object.keys(snapshot.flags).map((key) => {
      const result = toOfrep(key, snapshot.evaluator.evaluate(key, parsed.context, now));
      count(result);
      return result;
    });
    const text = JSON.stringify({
      flags,
      metadata: { configRevision: snapshot.revision },
      eventStreams: [{ type: 'sse', endpoint: { requestUri: OFREP_EVENTS_PATH }, inactivityDelaySec: 120 }],
    });
    // The answer depends on the context and on the time (schedule windows), so its tag is its own hash.
    const etag = etagOf(text);
    c.header('ETag', etag);
    if (matchesIfNoneMatch(c, etag)) return c.body(null, 304);
    return c.body(text, 200, JSON_TYPE);
  });

  app.get(OFREP_EVENTS_PATH, (c) => {
    const lastEventId = c.req.header('last-event-id');
    return streams.serve(c, (sink) => {
      let seen = config.current();
      if (lastEventId !== undefined && lastEventId !== String(seen.revision)) sink.write(refetchFrame(seen));
      return fanOut.subscribe((frame, snapshot) => {
        if (!isNewer(snapshot, seen)) return;
        seen = snapshot;
        sink.write(frame);
      });
    });
  });
}
