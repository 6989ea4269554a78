import { compileFlag, type Flag, FlagValidationError, flagSchema, validateFlag } from '@prompt-canary/rules';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import { type AppEnv, actorOf } from '../app-env.js';
import { commitChange } from '../changes/commit-change.js';
import { ApiError } from '../http/api-error.js';
import { checkIfMatch } from '../http/etag.js';
import { limitBody, readRawBody } from '../http/request-body.js';
import { packReservingKey } from './companion-key.js';
import type { StoredFlag } from './flag-store.js';

/** A flag as the API shows it: the model, plus the owning pack for a pack's compiled flag. */
export type FlagView = Flag & { ownerPack?: string };

/** The API view of a stored flag. */
export function flagView(stored: StoredFlag): FlagView {
  return stored.ownerPack === null ? stored.flag : { ...stored.flag, ownerPack: stored.ownerPack };
}

/**
 * Validates a flag body for `PUT /api/v1/flags/{key}`: our flag model, `key` optional but equal to the path's
 * when given, `ownerPack` (as `GET` shows it) ignored.
 *
 * @throws ApiError `invalid_body` with the path of the first problem.
 */
export function parseFlagBody(key: string, body: unknown): Flag {
  const input =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (({ ownerPack: _ignored, ...rest }: Record<string, unknown>) => ({ key, ...rest }))(
          body as Record<string, unknown>,
        )
      : body;
  const result = validateFlag(input);
  if (!result.ok) {
    const issue = result.issues[0];
    throw new ApiError('invalid_body', issue?.message ?? 'invalid flag', issue?.path ?? []);
  }
  if (result.flag.key !== key) {
    throw new ApiError('invalid_body', `key "${result.flag.key}" differs from the path's "${key}"`, ['key']);
  }
  try {
    compileFlag(result.flag);
  } catch (error) {
    if (error instanceof FlagValidationError) {
      const issue = error.issues[0];
      throw new ApiError('invalid_body', issue?.message ?? error.message, issue?.path ?? []);
    }
    throw error;
  }
  return result.flag;
}

function refuseOwned(stored: StoredFlag | undefined): void {
  if (stored?.ownerPack) {
    throw new ApiError(
      'owned_by_pack',
      `flag "${stored.flag.key}" is pack "${stored.ownerPack}"'s flag: change it through /api/v1/packs`,
    );
  }
}

/** `GET /api/v1/flags`, `GET|PUT|DELETE /api/v1/flags/{key}`: plain flags, with ETag / If-Match. */
export function registerFlagRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const tags = ['flags'];
  ctx.docs.add(
    {
      method: 'get',
      path: '/api/v1/flags',
      summary: 'List flags',
      scope: 'read',
      tags,
      responses: { 200: 'flags' },
    },
    {
      method: 'get',
      path: '/api/v1/flags/:key',
      summary: 'Read a flag (with ETag)',
      scope: 'read',
      tags,
      responses: { 200: 'the flag', 404: 'no such flag' },
    },
    {
      method: 'put',
      path: '/api/v1/flags/:key',
      summary: 'Create or replace a plain flag (If-Match honoured)',
      scope: 'admin',
      tags,
      body: flagSchema,
      responses: {
        200: 'replaced',
        201: 'created',
        400: 'invalid_body',
        409: 'owned_by_pack',
        412: 'precondition_failed',
        413: 'payload_too_large',
        415: 'unsupported_media_type',
      },
    },
    {
      method: 'delete',
      path: '/api/v1/flags/:key',
      summary: 'Delete a plain flag',
      scope: 'admin',
      tags,
      responses: { 204: 'deleted', 404: 'not_found', 409: 'owned_by_pack', 412: 'precondition_failed' },
    },
  );
  app.get('/api/v1/flags', (c) => c.json(ctx.store.flags.list().map(flagView)));

  app.get('/api/v1/flags/:key', (c) => {
    const stored = ctx.store.flags.get(c.req.param('key'));
    if (!stored) throw new ApiError('not_found', `no flag "${c.req.param('key')}"`);
    c.header('ETag', stored.etag);
    return c.json(flagView(stored));
  });

  app.put('/api/v1/flags/:key', limitBody(ctx.settings.bodyLimitBytes), async (c) => {
    const key = c.req.param('key');
    const flag = parseFlagBody(key, await readRawBody(c));
    const before = ctx.store.flags.get(key);
    refuseOwned(before);
    const pack = packReservingKey(key, (name) => ctx.store.packs.get(name) !== undefined);
    if (pack !== undefined) {
      throw new ApiError(
        'owned_by_pack',
        `flag key "${key}" is where pack "${pack}" serves its content: choose another key`,
      );
    }
    checkIfMatch(c, before?.etag);
    const { result } = commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'flag.put',
        target: `flag:${key}`,
        before: before?.flag,
        after: flag,
        configChanged: true,
      },
      (store) => store.flags.put(flag, null, new Date(ctx.clock.now()).toISOString()),
    );
    c.header('ETag', result.etag);
    return c.json(flagView(result), before ? 200 : 201);
  });

  app.delete('/api/v1/flags/:key', (c) => {
    const key = c.req.param('key');
    const before = ctx.store.flags.get(key);
    if (!before) throw new ApiError('not_found', `no flag "${key}"`);
    refuseOwned(before);
    checkIfMatch(c, before.etag);
    commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'flag.delete',
        target: `flag:${key}`,
        before: before.flag,
        configChanged: true,
      },
      (store) => store.flags.delete(key),
    );
    return c.body(null, 204);
  });
}
