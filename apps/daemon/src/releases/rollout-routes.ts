import type {
  RolloutDetail as ApiRolloutDetail,
  RolloutView as ApiRolloutView,
  EvaluationBatchesView,
} from '@prompt-canary/api-types';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { type AppEnv, actorOf } from '../app-env.js';
import { ApiError } from '../http/api-error.js';
import { checkIfMatch, etagOf } from '../http/etag.js';
import { invalidBody, limitBody, readRawBody } from '../http/request-body.js';
import { commitRolloutTransition } from '../rollouts/commit-rollout-transition.js';
import {
  pause,
  promote,
  type Rollout,
  resume,
  rollback,
  type TransitionResult,
} from '../rollouts/rollout-state.js';
import { rolloutDetail, rolloutView } from '../rollouts/rollout-view.js';

const PHASES = ['Progressing', 'Paused', 'Completed', 'RolledBack'] as const;
const ACTIONS = ['pause', 'resume', 'promote', 'rollback'] as const;
type Action = (typeof ACTIONS)[number];

/** Body of `POST /api/v1/rollouts/{id}/{action}`; `full` belongs to `promote` only. */
export const rolloutActionSchema = z.strictObject({
  reason: z.string().max(2000, { error: 'a reason is at most 2000 characters' }).optional(),
  full: z.boolean({ error: 'full is true or false' }).optional(),
});

/** Query of `GET /api/v1/rollouts`. */
export const rolloutQuerySchema = z.object({ pack: z.string().optional(), phase: z.enum(PHASES).optional() });

/** An action's body, or `{}` when the request has none. */
async function readAction(c: Context<AppEnv>, action: Action): Promise<z.output<typeof rolloutActionSchema>> {
  const length = c.req.header('content-length');
  const hasBody = c.req.header('content-type') !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return {};
  const parsed = rolloutActionSchema.safeParse(await readRawBody(c));
  if (!parsed.success) throw invalidBody(parsed.error);
  if (parsed.data.full !== undefined && action !== 'promote') {
    throw new ApiError('invalid_body', `full applies to promote, not ${action}`, ['full']);
  }
  return parsed.data;
}

function etagOfRollout(rollout: Rollout): string {
  return etagOf(`${rollout.id}\n${rollout.updatedAt}\n${rollout.phase}\n${rollout.weight}`);
}

/**
 * `GET /api/v1/rollouts?pack=&phase=`, `GET /api/v1/rollouts/{id}`, and the operator actions
 * `POST /api/v1/rollouts/{id}/pause|resume|promote|rollback` (`{reason?, full?}`, scope `operate`). Each action
 * commits the transition, its audit entry and the recompiled flag at once; a rollback reaches providers with the
 * new config revision.
 */
/** The evaluation hook's batches of a rollout, as `GET /api/v1/rollouts/{id}` shows them. */
function evaluationView(ctx: AppContext, rolloutId: string): EvaluationBatchesView {
  const { lastSentAt, ...counts } = ctx.store.evaluations.summary(rolloutId);
  return { ...counts, lastSentAt: lastSentAt === null ? null : new Date(lastSentAt).toISOString() };
}

export function registerRolloutRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const { rollouts } = ctx.store;

  const tags = ['rollouts'];
  ctx.docs.add(
    {
      method: 'get',
      path: '/api/v1/rollouts',
      summary: 'List rollouts, newest first',
      scope: 'read',
      tags,
      query: rolloutQuerySchema,
      responses: { 200: 'rollouts', 400: 'invalid_query' },
    },
    {
      method: 'get',
      path: '/api/v1/rollouts/:id',
      summary: 'Read a rollout with its spec, plan and timeline',
      scope: 'read',
      tags,
      responses: { 200: 'the rollout', 404: 'not_found' },
    },
    ...ACTIONS.map((action) => ({
      method: 'post' as const,
      path: `/api/v1/rollouts/:id/${action}`,
      summary: `${action[0]?.toUpperCase()}${action.slice(1)} a live rollout`,
      scope: 'operate' as const,
      tags,
      body: rolloutActionSchema,
      responses: {
        200: 'the rollout after the action',
        400: 'invalid_body',
        404: 'not_found',
        409: 'rollout_not_active',
        412: 'precondition_failed',
      },
    })),
  );

  app.get('/api/v1/rollouts', (c) => {
    const pack = c.req.query('pack');
    const phase = c.req.query('phase');
    if (phase !== undefined && !(PHASES as readonly string[]).includes(phase)) {
      throw new ApiError('invalid_query', `phase is one of ${PHASES.join(', ')}`, ['phase']);
    }
    const list = rollouts.list({
      ...(pack ? { pack } : {}),
      ...(phase ? { phase: phase as (typeof PHASES)[number] } : {}),
    });
    const nowMs = ctx.clock.now();
    return c.json(
      list.map((rollout) => rolloutView(rollout, nowMs, ctx.clock.timeScale)) satisfies ApiRolloutView[],
    );
  });

  app.get('/api/v1/rollouts/:id', (c) => {
    const rollout = rollouts.get(c.req.param('id'));
    if (!rollout) throw new ApiError('not_found', `no rollout "${c.req.param('id')}"`);
    c.header('ETag', etagOfRollout(rollout));
    const detail = rolloutDetail(
      rollout,
      rollouts.timeline(rollout.id),
      ctx.clock.now(),
      ctx.clock.timeScale,
    );
    // The controller's latest verdicts (null before its first look).
    const evaluation =
      rollout.spec.analysis.evaluation === undefined ? undefined : evaluationView(ctx, rollout.id);
    return c.json({
      ...detail,
      lastCheck: ctx.store.controller.get(rollout.id)?.lastCheck ?? null,
      ...(evaluation === undefined ? {} : { evaluation }),
    } satisfies ApiRolloutDetail);
  });

  for (const action of ACTIONS) {
    app.post(`/api/v1/rollouts/:id/${action}`, limitBody(ctx.settings.bodyLimitBytes), async (c) => {
      const body = await readAction(c, action);
      const id = c.req.param('id');
      const before = rollouts.get(id);
      if (!before) throw new ApiError('not_found', `no rollout "${id}"`);
      checkIfMatch(c, etagOfRollout(before));
      const input = {
        actor: actorOf(c),
        nowMs: ctx.clock.now(),
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      };
      const result: TransitionResult =
        action === 'pause'
          ? pause(before, input)
          : action === 'resume'
            ? resume(before, input)
            : action === 'promote'
              ? promote(before, { ...input, ...(body.full !== undefined ? { full: body.full } : {}) })
              : rollback(before, input);
      if (!result.ok) throw new ApiError(result.code, result.message);
      const { result: after } = commitRolloutTransition(ctx, {
        before,
        transition: result,
        action: action === 'promote' && body.full === true ? 'promote_full' : action,
        actor: input.actor,
        reason: body.reason,
      });
      c.header('ETag', etagOfRollout(after));
      return c.json({
        ...rolloutDetail(after, rollouts.timeline(after.id), ctx.clock.now(), ctx.clock.timeScale),
        lastCheck: ctx.store.controller.get(after.id)?.lastCheck ?? null,
      } satisfies ApiRolloutDetail);
    });
  }
}
