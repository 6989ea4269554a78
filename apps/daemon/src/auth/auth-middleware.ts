import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { ApiError } from '../http/api-error.js';
import type { Authenticator } from './authenticator.js';
import { grants, requiredScope, type Scope } from './scopes.js';

/** The token a request presents: `Authorization: Bearer …` or `X-API-Key`. */
export function presentedToken(c: Context): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return c.req.header('x-api-key')?.trim() || undefined;
}

function deny(c: Context, status: 401 | 403): Response {
  const path = c.req.path;
  if (status === 401) c.header('WWW-Authenticate', 'Bearer');
  // OFREP and OTLP keep their own protocol: 401/403 there carry no body.
  if (path.startsWith('/ofrep/') || path.startsWith('/v1/')) return c.body(null, status);
  throw status === 401
    ? new ApiError('unauthorized', 'a valid token is required (Authorization: Bearer … or X-API-Key)')
    : new ApiError('forbidden', 'this token does not hold the scope this request needs');
}

function check(c: Context<AppEnv>, auth: Authenticator, scope: Scope): Response | undefined {
  const token = presentedToken(c);
  const principal = token === undefined ? undefined : auth.authenticate(token);
  if (!principal) return deny(c, 401);
  c.set('principal', principal);
  if (!grants(principal.scopes, scope)) return deny(c, 403);
  return undefined;
}

/**
 * Guards every request by the route → scope table of API.md ({@link requiredScope}): 401 for a missing or
 * unknown token, 403 for a token without the scope. Mounted once, before every route.
 */
export function authorize(auth: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const scope = requiredScope(c.req.method, c.req.path);
    if (scope !== null) {
      const denied = check(c, auth, scope);
      if (denied) return denied;
    }
    await next();
  };
}

/** Guards one route with an explicit scope, for a route whose needs the central table does not express. */
export function requireScope(auth: Authenticator, scope: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const denied = check(c, auth, scope);
    if (denied) return denied;
    await next();
  };
}
