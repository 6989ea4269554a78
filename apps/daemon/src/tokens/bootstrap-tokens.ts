import type { AppContext } from '../app-context.js';
import { generateToken, hashToken } from '../auth/authenticator.js';
import { SCOPES } from '../auth/scopes.js';
import { commitChange } from '../changes/commit-change.js';

/** Name of the token `CANARYD_ADMIN_TOKEN` (or the first start) creates. */
export const ADMIN_TOKEN_NAME = 'admin';

/**
 * Makes `token` the `admin` token with every scope. Giving the same token again is a no-op; a different one
 * replaces the previous `admin` token.
 */
export function ensureAdminToken(ctx: AppContext, token: string): void {
  const hash = hashToken(token);
  const existing = ctx.store.tokens.get(ADMIN_TOKEN_NAME);
  if (existing && existing.tokenHash === hash && SCOPES.every((s) => existing.scopes.includes(s))) return;
  commitChange(
    ctx,
    {
      actor: 'system',
      action: existing ? 'token.replace' : 'token.create',
      target: `token:${ADMIN_TOKEN_NAME}`,
      reason: 'CANARYD_ADMIN_TOKEN',
      after: { name: ADMIN_TOKEN_NAME, scopes: [...SCOPES] },
      configChanged: false,
    },
    (store) =>
      store.tokens.put({
        name: ADMIN_TOKEN_NAME,
        tokenHash: hash,
        scopes: [...SCOPES],
        createdAt: new Date(ctx.clock.now()).toISOString(),
      }),
  );
}

/**
 * On a first start (no token at all), creates an `admin` token and returns it so that the caller can show it
 * once; returns `undefined` when tokens exist.
 */
export function createFirstAdminToken(ctx: AppContext): string | undefined {
  if (ctx.store.tokens.count() > 0) return undefined;
  const token = generateToken();
  commitChange(
    ctx,
    {
      actor: 'system',
      action: 'token.create',
      target: `token:${ADMIN_TOKEN_NAME}`,
      reason: 'first start',
      after: { name: ADMIN_TOKEN_NAME, scopes: [...SCOPES] },
      configChanged: false,
    },
    (store) =>
      store.tokens.put({
        name: ADMIN_TOKEN_NAME,
        tokenHash: hashToken(token),
        scopes: [...SCOPES],
        createdAt: new Date(ctx.clock.now()).toISOString(),
      }),
  );
  return token;
}
