import type { CreatedToken, TokenView } from '@prompt-canary/api-types';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { type AppEnv, actorOf } from '../app-env.js';
import { generateToken, hashToken } from '../auth/authenticator.js';
import { SCOPES } from '../auth/scopes.js';
import { commitChange } from '../changes/commit-change.js';
import { ApiError } from '../http/api-error.js';
import { limitBody, readBody } from '../http/request-body.js';

/** Token names: short, printable, no spaces. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/;

/** Body of `POST /api/v1/tokens`. */
export const tokenBodySchema = z.strictObject({
  name: z.string().regex(TOKEN_NAME, { message: `name must match ${TOKEN_NAME.source}` }),
  scopes: z.array(z.enum(SCOPES)).min(1, { message: 'at least one scope' }),
});

/**
 * `POST /api/v1/tokens` (the token is in this answer only; the daemon keeps its hash), `GET /api/v1/tokens`
 * (names and scopes), `DELETE /api/v1/tokens/{name}`. Scope `admin`.
 */
export function registerTokenRoutes(app: Hono<AppEnv>, ctx: AppContext): void {
  const tags = ['tokens'];
  ctx.docs.add(
    {
      method: 'get',
      path: '/api/v1/tokens',
      summary: 'List token names and scopes',
      scope: 'admin',
      tags,
      responses: { 200: 'tokens' },
    },
    {
      method: 'post',
      path: '/api/v1/tokens',
      summary: 'Create a token (shown once)',
      scope: 'admin',
      tags,
      body: tokenBodySchema,
      responses: { 201: '{name, scopes, token}', 400: 'invalid_body', 409: 'already_exists' },
    },
    {
      method: 'delete',
      path: '/api/v1/tokens/:name',
      summary: 'Revoke a token',
      scope: 'admin',
      tags,
      responses: { 204: 'revoked', 404: 'not_found' },
    },
  );
  app.get('/api/v1/tokens', (c) =>
    c.json(
      ctx.store.tokens
        .list()
        .map((t) => ({ name: t.name, scopes: t.scopes, createdAt: t.createdAt })) satisfies TokenView[],
    ),
  );

  app.post('/api/v1/tokens', limitBody(64 * 1024), async (c) => {
    const { name, scopes } = await readBody(c, tokenBodySchema);
    if (ctx.store.tokens.get(name)) throw new ApiError('already_exists', `a token named "${name}" exists`);
    const token = generateToken();
    const unique = [...new Set(scopes)];
    commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'token.create',
        target: `token:${name}`,
        after: { name, scopes: unique },
        configChanged: false,
      },
      (store) =>
        store.tokens.put({
          name,
          tokenHash: hashToken(token),
          scopes: unique,
          createdAt: new Date(ctx.clock.now()).toISOString(),
        }),
    );
    // The feed invalidates too; this covers a feed that delivers later (another replica's channel).
    ctx.auth.invalidate();
    c.header('Cache-Control', 'no-store');
    return c.json({ name, scopes: unique, token } satisfies CreatedToken, 201);
  });

  app.delete('/api/v1/tokens/:name', (c) => {
    const name = c.req.param('name');
    const before = ctx.store.tokens.get(name);
    if (!before) throw new ApiError('not_found', `no token "${name}"`);
    commitChange(
      ctx,
      {
        actor: actorOf(c),
        action: 'token.delete',
        target: `token:${name}`,
        before: { name, scopes: before.scopes },
        configChanged: false,
      },
      (store) => store.tokens.delete(name),
    );
    // A revoked token is refused from the next request on, whatever the feed's delivery.
    ctx.auth.invalidate();
    return c.body(null, 204);
  });
}
