import type { Whoami } from '@prompt-canary/api-types';
import type { Hono } from 'hono';
import type { AppContext } from '../app-context.js';
import type { AppEnv } from '../app-env.js';
import { presentedToken } from '../auth/auth-middleware.js';
import { ApiError } from '../http/api-error.js';

/**
 * `GET /api/v1/whoami` → `{name, scopes}` for any valid token, whatever its scopes: how the dashboard learns
 * whether to show the rollout actions. 401 without a known token.
 */
export function registerWhoamiRoute(app: Hono<AppEnv>, ctx: AppContext): void {
  ctx.docs.add({
    method: 'get',
    path: '/api/v1/whoami',
    summary: "The presenting token's name and scopes (any valid token)",
    scope: null,
    tags: ['tokens'],
    responses: { 200: '{name, scopes}', 401: 'unauthorized' },
  });
  app.get('/api/v1/whoami', (c) => {
    const token = presentedToken(c);
    const principal = token === undefined ? undefined : ctx.auth.authenticate(token);
    if (!principal) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new ApiError('unauthorized', 'a valid token is required (Authorization: Bearer … or X-API-Key)');
    }
    c.set('principal', principal);
    c.header('Cache-Control', 'no-store');
    return c.json({ name: principal.name, scopes: principal.scopes } satisfies Whoami);
  });
}
