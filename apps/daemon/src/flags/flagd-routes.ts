import type { FlagdImportResult } from '@prompt-canary/api-types';
import { exportFlagd, FlagValidationError, importFlagd } from '@prompt-canary/rules';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { type AppEnv, actorOf } from '../app-env.js';
import { commitChange } from '../changes/commit-change.js';
import { ApiError } from '../http/api-error.js';
import { limitBody, readRawBody } from '../http/request-body.js';
import { packReservingKey } from './companion-key.js';

/** The outline of a flagd document, for the OpenAPI document (flagd's own schema governs the details). */
const flagdDocumentSchema = z.looseObject({
  flags: z.record(
    z.string(),
    z.looseObject({ state: z.enum(['ENABLED', 'DISABLED']), variants: z.record(z.string(), z.json()) }),
  ),
  $evaluators: z.record(z.string(), z.json()).optional(),
  metadata: z.record(z.string(), z.json()).optional(),
});

/**
 * `POST /api/v1/import/flagd`: a flagd flag-definition file in, its flags created or replaced, in one change
 * (all or nothing; a pack's flag is never overwritten: 409 `owned_by_pack`). `GET /api/v1/flagd.json`: every flag
 * as one flagd file, so flagd providers can sync from the daemon.
 */
export function registerFlagdRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  ctx.docs.add(
    {
      method: 'post',
      path: '/api/v1/import/flagd',
      summary: 'Import a flagd flag-definition file (create or replace its flags)',
      scope: 'admin',
      tags: ['flagd'],
      body: flagdDocumentSchema,
      responses: {
        200: '{imported: [keys]}',
        400: 'invalid_body',
        409: 'owned_by_pack',
        413: 'payload_too_large',
      },
    },
    {
      method: 'get',
      path: '/api/v1/flagd.json',
      summary: 'Every flag as one flagd flag-definition file',
      scope: 'read',
      tags: ['flagd'],
      responses: { 200: 'flagd document' },
    },
  );
  app.post('/api/v1/import/flagd', limitBody(ctx.settings.largeBodyLimitBytes), async (c) => {
    const doc = await readRawBody(c);
    let flags: ReturnType<typeof importFlagd>;
    try {
      flags = importFlagd(doc);
    } catch (error) {
      if (error instanceof FlagValidationError) {
        const issue = error.issues[0];
        throw new ApiError('invalid_body', issue?.message ?? error.message, issue?.path ?? []);
      }
      throw error;
    }
    for (const flag of flags) {
      const owner =
        ctx.store.flags.get(flag.key)?.ownerPack ??
        packReservingKey(flag.key, (name) => ctx.store.packs.get(name) !== undefined);
      if (owner)
        throw new ApiError('owned_by_pack', `flag "${flag.key}" is pack "${owner}"'s flag`, [
          'flags',
          flag.key,
        ]);
    }
    const keys = flags.map((f: { key: string }) => f.key);
    commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'flagd.import',
        target: 'flags',
        after: { imported: keys },
        configChanged: true,
      },
      (store) => {
        const at = new Date(ctx.clock.now()).toISOString();
        for (const flag of flags) store.flags.put(flag, null, at);
      },
    );
    return c.json({ imported: keys } satisfies FlagdImportResult);
  });

  app.get('/api/v1/flagd.json', (c) => c.json(exportFlagd(ctx.config.current().flags)));
}
