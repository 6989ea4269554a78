import type { Hono, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * A copy of `value` with the string under every `secret` key (a webhook's `notify[].secret`, wherever a pack spec
 * is embedded) replaced by {@link REDACTED}. Values without one come back as they are.
 */
export function redactSecrets<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = key === 'secret' && typeof item === 'string' ? REDACTED : redactSecrets(item);
  }
  return copy as T;
}

/** Answers that embed pack specs (and so webhook secrets): packs and rollout details. */
export const SPEC_BEARING_PATHS = ['/api/v1/packs', '/api/v1/packs/*', '/api/v1/rollouts/*'] as const;

/**
 * Redacts webhook secrets from JSON answers for callers without the `admin` scope: a `read` token (the
 * dashboard's) must not be able to sign webhooks. Admins, who write packs, still read them back whole, so that a
 * pack fetched and applied again keeps its secret.
 */
export function hideSecretsFromNonAdmins(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.get('principal')?.scopes.includes('admin')) return;
    if (!c.res.headers.get('content-type')?.includes('application/json')) return;
    const text = await c.res.clone().text();
    if (!text.includes('"secret"')) return;
    c.res = new Response(JSON.stringify(redactSecrets(JSON.parse(text) as unknown)), c.res);
  };
}

/** Mounts {@link hideSecretsFromNonAdmins} on {@link SPEC_BEARING_PATHS}, before their routes. */
export function registerSecretRedaction(app: Hono<AppEnv>): void {
  const hide = hideSecretsFromNonAdmins();
  for (const path of SPEC_BEARING_PATHS) app.use(path, hide);
}
