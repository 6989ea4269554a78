import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * The request's id, created now if it has none yet (a hot-path request gets one only when something needs it):
 * kept in the context and echoed in the `X-Request-Id` response header.
 */
export function requestIdOf(c: Context<AppEnv>): string {
  const known = c.get('requestId');
  if (known !== undefined) return known;
  const created = randomUUID();
  c.set('requestId', created);
  c.header('X-Request-Id', created);
  return created;
}
