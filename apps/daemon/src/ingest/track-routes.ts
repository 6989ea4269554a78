import type { IngestTallyView } from '@prompt-canary/api-types';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { ApiError } from '../http/api-error.js';
import { invalidBody, limitBody, readRawBody } from '../http/request-body.js';
import type { TrackingIngest } from './tracking-ingest.js';

/** Batch limits of the tracking routes. */
export interface TrackLimits {
  /** Most events in one `POST /api/v1/track` (default 1,000); more is 413. */
  maxEvents: number;
  /** Most scores in one `POST /api/v1/scores` (default 1,000); more is 413. */
  maxScores: number;
}

/** Where scores that answer an evaluation batch are credited to it (the evaluation batches' port). */
export interface ScoredBatches {
  scored(batchId: string, count: number, atMs: number): boolean;
}

/** Default {@link TrackLimits}. */
export const defaultTrackLimits: TrackLimits = { maxEvents: 1000, maxScores: 1000 };

const timestamp = z
  .union([
    z.number().nonnegative(),
    z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'an ISO 8601 timestamp' }),
  ])
  .transform((t) => (typeof t === 'number' ? t : Date.parse(t)));

const trackEventSchema = z.strictObject({
  name: z.string().min(1).max(200),
  flagKey: z.string().min(1).max(200),
  variant: z.string().min(1).max(200).optional(),
  /** The OpenFeature reason of the unit's assignment (`SPLIT`, `TARGETING_MATCH`, …): which traffic it belongs to. */
  reason: z.string().min(1).max(64).optional(),
  targetingKey: z.string().min(1).max(1000),
  value: z.number().refine(Number.isFinite).optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  timestamp,
});

/** Body of `POST /api/v1/track`. */
export const trackBodySchema = z.strictObject({ events: z.array(trackEventSchema) });

const scoreSchema = z.strictObject({
  traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, { error: 'a trace id is 32 hex digits' }),
  name: z.string().min(1).max(200),
  value: z.number().refine(Number.isFinite),
  timestamp: timestamp.optional(),
  /** The evaluation hook's batch these scores answer (`evaluation.requested`). */
  batchId: z.string().min(1).max(200).optional(),
});

/** Body of `POST /api/v1/scores`. */
export const scoresBodySchema = z.strictObject({ scores: z.array(scoreSchema) });

function checkBatchSize(raw: unknown, field: string, max: number): void {
  if (raw === null || typeof raw !== 'object') return;
  const items = (raw as Record<string, unknown>)[field];
  if (Array.isArray(items) && items.length > max) {
    throw new ApiError('payload_too_large', `at most ${max} ${field} per request, got ${items.length}`, [
      field,
    ]);
  }
}

/**
 * Registers `POST /api/v1/track` (feedback events credited to the version a unit was served) and
 * `POST /api/v1/scores` (late quality scores joined by trace id). Scope `ingest` (central authorization).
 * Both answer `{accepted, dropped: {reason: n}}` once the batch is committed.
 */
export function registerTrackRoutes(
  app: Hono<AppEnv>,
  ctx: AppContext,
  tracking: TrackingIngest,
  limits: TrackLimits = defaultTrackLimits,
  batches?: ScoredBatches,
): void {
  const tags = ['telemetry'];
  ctx.docs.add(
    {
      method: 'post',
      path: '/api/v1/track',
      summary:
        'Tracking events (feedback, thumbs, regenerate, escalate, custom) credited to a version, in the traffic ' +
        '(split or segment) their optional `reason` names',
      scope: 'ingest',
      tags,
      body: trackBodySchema,
      responses: { 200: '{accepted, dropped}', 400: 'invalid_body', 413: 'payload_too_large' },
    },
    {
      method: 'post',
      path: '/api/v1/scores',
      summary:
        'Late scores by trace id, joined to the version recorded for the trace; `batchId` answers an evaluation batch',
      scope: 'ingest',
      tags,
      body: scoresBodySchema,
      responses: { 200: '{accepted, dropped}', 400: 'invalid_body', 413: 'payload_too_large' },
    },
  );

  app.post('/api/v1/track', limitBody(ctx.settings.bodyLimitBytes), async (c) => {
    const raw = await readRawBody(c);
    checkBatchSize(raw, 'events', limits.maxEvents);
    const parsed = trackBodySchema.safeParse(raw);
    if (!parsed.success) throw invalidBody(parsed.error);
    const events = parsed.data.events.map(({ timestamp: timeMs, ...rest }) => ({ ...rest, timeMs }));
    return c.json(tracking.track(events) satisfies IngestTallyView);
  });

  app.post('/api/v1/scores', limitBody(ctx.settings.bodyLimitBytes), async (c) => {
    const raw = await readRawBody(c);
    checkBatchSize(raw, 'scores', limits.maxScores);
    const parsed = scoresBodySchema.safeParse(raw);
    if (!parsed.success) throw invalidBody(parsed.error);
    const nowMs = ctx.clock.now();
    const scores = parsed.data.scores.map(({ timestamp: t, batchId: _, ...rest }) => ({
      ...rest,
      timeMs: t ?? nowMs,
    }));
    const tally = tracking.scores(scores);
    if (batches !== undefined) {
      const perBatch = new Map<string, number>();
      for (const score of parsed.data.scores) {
        if (score.batchId !== undefined) perBatch.set(score.batchId, (perBatch.get(score.batchId) ?? 0) + 1);
      }
      // An unknown batch id (another daemon's, or pruned) is not an error: the scores still count.
      for (const [batchId, count] of perBatch) batches.scored(batchId, count, nowMs);
    }
    return c.json(tally satisfies IngestTallyView);
  });
}
