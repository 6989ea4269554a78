import type { Analysis } from '@prompt-canary/api-types';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import type { ControllerStateStore } from '../controller/controller-state-store.js';
import { ApiError } from '../http/api-error.js';
import { parseDuration } from '../packs/pack-units.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import type { AnalysisWindow, RolloutAnalyzer } from './rollout-analyzer.js';

/** Query of `GET /api/v1/rollouts/{id}/analysis`. */
export const analysisQuerySchema = z.object({
  window: z
    .string()
    .optional()
    .describe('`step` (default: since the current step began), `rollout`, or a duration such as `5m`'),
});

/** Parses `?window=`: `step`, `rollout`, or a positive duration (`500ms`, `30s`, `5m`, `4h`, `2d`). */
export function parseAnalysisWindow(value: string | undefined): AnalysisWindow {
  if (value === undefined || value === '' || value === 'step') return 'step';
  if (value === 'rollout') return 'rollout';
  const parsed = parseDuration(value);
  if (!parsed.ok || parsed.value <= 0) {
    throw new ApiError('invalid_query', 'window is step, rollout or a positive duration such as 5m', [
      'window',
    ]);
  }
  return parsed.value;
}

/** What the analysis route reads. */
export interface AnalysisRouteDeps {
  analyzer: RolloutAnalyzer;
  rollouts: Pick<RolloutStore, 'get'>;
  controller: Pick<ControllerStateStore, 'get'>;
}

/**
 * Registers `GET /api/v1/rollouts/{id}/analysis?window=step|rollout|<duration>` (scope `read`): the analysis
 * computed now from the ingested slices, continuing the controller's persisted sequential state without advancing
 * it (read-only), with the controller's latest verdicts as `lastCheck` (`null` before its first look).
 */
export function registerAnalysisRoutes(app: Hono<AppEnv>, ctx: AppContext, deps: AnalysisRouteDeps): void {
  ctx.docs.add({
    method: 'get',
    path: '/api/v1/rollouts/:id/analysis',
    summary: "A rollout's analysis computed now, with the controller's latest verdicts (lastCheck)",
    scope: 'read',
    tags: ['rollouts'],
    query: analysisQuerySchema,
    responses: {
      200: '{window, arms, metricInfo, checks, srm, comparisons, strategy, stage, lastCheck}',
      400: 'invalid_query',
      404: 'not_found',
    },
  });

  app.get('/api/v1/rollouts/:id/analysis', (c) => {
    const window = parseAnalysisWindow(c.req.query('window'));
    const id = c.req.param('id');
    const rollout = deps.rollouts.get(id);
    if (rollout === undefined) throw new ApiError('not_found', `no rollout "${id}"`);
    const record = deps.controller.get(id);
    const sequentialState = record?.sequentialState;
    const { analysis } = deps.analyzer.analyze(rollout, {
      nowMs: ctx.clock.now(),
      window,
      ...(sequentialState === undefined ? {} : { sequentialState }),
    });
    return c.json({ ...analysis, lastCheck: record?.lastCheck ?? null } satisfies Analysis);
  });
}
