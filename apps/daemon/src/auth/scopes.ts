/** The token scopes of API.md. */
export const SCOPES = ['evaluate', 'ingest', 'read', 'operate', 'admin'] as const;

/** One token scope. */
export type Scope = (typeof SCOPES)[number];

/**
 * Whether a token holding `held` may do what `required` guards: `admin` grants everything, `operate` includes
 * `read`.
 */
export function grants(held: readonly Scope[], required: Scope): boolean {
  if (held.includes('admin') || held.includes(required)) return true;
  return required === 'read' && held.includes('operate');
}

/**
 * The scope a request needs, by API.md's table, or `null` for the open paths (`/healthz`, `/readyz`,
 * `/openapi.json`, `/ui`; and `/api/v1/whoami`, which checks the token itself). Anything not listed needs `admin`.
 */
export function requiredScope(method: string, path: string): Scope | null {
  const m = method.toUpperCase();
  if (path === '/healthz' || path === '/readyz' || path === '/openapi.json') return null;
  if (path === '/ui' || path.startsWith('/ui/')) return null;
  // Any valid token may ask who it is: the route authenticates by itself (tokens/whoami-route.ts).
  if (path === '/api/v1/whoami') return null;
  if (path.startsWith('/ofrep/')) return 'evaluate';
  if (path === '/v1/traces' || path === '/v1/metrics') return 'ingest';
  if (path === '/api/v1/track' || path === '/api/v1/scores') return 'ingest';
  if (path === '/metrics') return 'read';
  if (path === '/api/v1/config' || path === '/api/v1/sync') return 'evaluate';
  if (path.startsWith('/api/v1/tokens')) return 'admin';
  if (path.startsWith('/api/v1/')) {
    if (m === 'GET' || m === 'HEAD') return 'read';
    if (m === 'POST' && /^\/api\/v1\/rollouts\/[^/]+\/(pause|resume|promote|rollback)$/.test(path)) {
      return 'operate';
    }
    // A rollback drill changes what nobody is served: an operator's action, like a rollback.
    if (m === 'POST' && /^\/api\/v1\/packs\/[^/]+\/drill$/.test(path)) return 'operate';
  }
  return 'admin';
}
