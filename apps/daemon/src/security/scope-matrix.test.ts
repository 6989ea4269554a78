import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from '../auth/authenticator.js';
import type { Scope } from '../auth/scopes.js';
import { createTestDaemon } from '../testing/test-daemon.js';

/** What a route needs, as API.md's auth table says: a scope, any valid token, or nothing. */
type Need = Scope | 'any-token' | 'open';

/**
 * Every route of the daemon and what it needs, written out from API.md's table (not from `scopes.ts`). A route
 * mounted without a row here fails the coverage test below: adding a route means deciding its scope.
 */
const TABLE: Readonly<Record<string, Need>> = {
  'GET /healthz': 'open',
  'GET /readyz': 'open',
  'GET /openapi.json': 'open',
  'GET /ui': 'open',
  'GET /ui/': 'open',
  'GET /ui/:file': 'open',
  'GET /metrics': 'read',
  'POST /ofrep/v1/evaluate/flags/:key': 'evaluate',
  'POST /ofrep/v1/evaluate/flags': 'evaluate',
  'GET /ofrep/v1/events': 'evaluate',
  'GET /api/v1/config': 'evaluate',
  'GET /api/v1/sync': 'evaluate',
  'GET /api/v1/whoami': 'any-token',
  'GET /api/v1/tokens': 'admin',
  'POST /api/v1/tokens': 'admin',
  'DELETE /api/v1/tokens/:name': 'admin',
  'GET /api/v1/flags': 'read',
  'GET /api/v1/flags/:key': 'read',
  'PUT /api/v1/flags/:key': 'admin',
  'DELETE /api/v1/flags/:key': 'admin',
  'POST /api/v1/import/flagd': 'admin',
  'GET /api/v1/flagd.json': 'read',
  'GET /api/v1/segments': 'read',
  'GET /api/v1/segments/:name': 'read',
  'PUT /api/v1/segments/:name': 'admin',
  'DELETE /api/v1/segments/:name': 'admin',
  'GET /api/v1/audit': 'read',
  'GET /api/v1/events': 'read',
  'GET /api/v1/packs': 'read',
  'GET /api/v1/packs/:name': 'read',
  'PUT /api/v1/packs/:name': 'admin',
  'DELETE /api/v1/packs/:name': 'admin',
  'GET /api/v1/packs/:name/versions': 'read',
  'GET /api/v1/packs/:name/versions/:version': 'read',
  'POST /api/v1/track': 'ingest',
  'POST /api/v1/scores': 'ingest',
  'POST /v1/traces': 'ingest',
  'POST /v1/metrics': 'ingest',
  'GET /api/v1/rollouts': 'read',
  'GET /api/v1/rollouts/:id': 'read',
  'GET /api/v1/rollouts/:id/analysis': 'read',
  'POST /api/v1/rollouts/:id/pause': 'operate',
  'POST /api/v1/rollouts/:id/resume': 'operate',
  'POST /api/v1/rollouts/:id/promote': 'operate',
  'POST /api/v1/rollouts/:id/rollback': 'operate',
  'POST /api/v1/packs/:name/drill': 'operate',
};

/** The callers of the matrix: what each presents and the scopes it holds (API.md: operate = read + actions). */
const CALLERS: ReadonlyArray<{ name: string; scopes: readonly Scope[] | 'none' | 'wrong' }> = [
  { name: 'evaluate', scopes: ['evaluate'] },
  { name: 'ingest', scopes: ['ingest'] },
  { name: 'read', scopes: ['read'] },
  { name: 'operate', scopes: ['operate'] },
  { name: 'admin', scopes: ['admin'] },
  { name: 'app (evaluate+ingest)', scopes: ['evaluate', 'ingest'] },
  { name: 'ops (operate+ingest)', scopes: ['operate', 'ingest'] },
  { name: 'no token', scopes: 'none' },
  { name: 'wrong token', scopes: 'wrong' },
];

function holds(scopes: readonly Scope[], need: Scope): boolean {
  if (scopes.includes('admin') || scopes.includes(need)) return true;
  return need === 'read' && scopes.includes('operate');
}

/** The status class a caller must get: `pass` (anything but 401/403), 401 or 403. */
function expected(need: Need, caller: (typeof CALLERS)[number]): 'pass' | 401 | 403 {
  if (need === 'open') return 'pass';
  if (caller.scopes === 'none' || caller.scopes === 'wrong') return 401;
  if (need === 'any-token') return 'pass';
  return holds(caller.scopes, need) ? 'pass' : 403;
}

const d = createTestDaemon();
const tokenOf = new Map<string, string | null>();
CALLERS.forEach((caller, i) => {
  if (caller.scopes === 'none') tokenOf.set(caller.name, null);
  else if (caller.scopes === 'wrong') tokenOf.set(caller.name, 'pc_this-token-was-never-issued-000000');
  else {
    const token = `matrix-token-${i}-0123456789abcdef`;
    d.ctx.store.tokens.put({
      name: `matrix-${i}`,
      tokenHash: hashToken(token),
      scopes: [...caller.scopes],
      createdAt: new Date(d.clock.now()).toISOString(),
    });
    tokenOf.set(caller.name, token);
  }
});
d.ctx.auth.invalidate();
afterAll(() => d.close());

/** The app's own routes (middleware entries are `ALL`), deduplicated: what the table must cover. */
function mountedRoutes(): string[] {
  return [...new Set(d.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
}

const concrete = (path: string) => path.replace(/:(\w+)/g, 'matrix-$1');

describe('the auth matrix: every route × every caller, as API.md tabulates', () => {
  it('has a row for every mounted route and no row for a route that does not exist', () => {
    const mounted = mountedRoutes();
    expect(mounted.filter((r) => !(r in TABLE))).toEqual([]);
    expect(Object.keys(TABLE).filter((r) => !mounted.includes(r))).toEqual([]);
  });

  for (const [route, need] of Object.entries(TABLE)) {
    it(`${route} needs ${need}`, async () => {
      const [method = 'GET', path = '/'] = route.split(' ');
      const url = concrete(path);
      const protocolSurface = url.startsWith('/ofrep/') || url.startsWith('/v1/');
      for (const caller of CALLERS) {
        const token = tokenOf.get(caller.name) ?? null;
        const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
        const res = await d.app.request(url, { method, headers });
        const want = expected(need, caller);
        const label = `${route} as ${caller.name}`;
        if (want === 'pass') {
          expect([401, 403], label).not.toContain(res.status);
          await res.body?.cancel();
          continue;
        }
        expect(res.status, label).toBe(want);
        const body = await res.text();
        // OFREP and OTLP keep their protocols' bare 401/403; the admin API answers its JSON error shape.
        if (protocolSurface) expect(body, label).toBe('');
        else
          expect(JSON.parse(body), label).toMatchObject({
            code: want === 401 ? 'unauthorized' : 'forbidden',
          });
        if (want === 401) expect(res.headers.get('www-authenticate'), label).toBe('Bearer');
      }
    });
  }

  it('accepts the token as X-API-Key exactly as a bearer token', async () => {
    const token = tokenOf.get('evaluate') ?? '';
    const ok = await d.app.request('/api/v1/config', { headers: { 'x-api-key': token } });
    expect(ok.status).toBe(200);
    const forbidden = await d.app.request('/api/v1/flags', { headers: { 'x-api-key': token } });
    expect(forbidden.status).toBe(403);
  });

  it('takes tokens from headers only: a cookie or a query parameter carrying one is no credential (no CSRF surface)', async () => {
    const token = tokenOf.get('operate (read+operate)') ?? tokenOf.get('operate') ?? '';
    const action = '/api/v1/rollouts/matrix-id/pause';
    const cookie = await d.app.request(action, {
      method: 'POST',
      headers: { cookie: `token=${token}; authorization=Bearer ${token}` },
    });
    expect(cookie.status).toBe(401);
    const query = await d.app.request(`${action}?token=${token}&access_token=${token}`, { method: 'POST' });
    expect(query.status).toBe(401);
  });

  it('no longer lets a revoked token in', async () => {
    const created = await d.request('/api/v1/tokens', {
      method: 'POST',
      json: { name: 'short-lived', scopes: ['read'] },
    });
    const { token } = await created.json();
    expect(
      (await d.app.request('/api/v1/flags', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    expect((await d.request('/api/v1/tokens/short-lived', { method: 'DELETE' })).status).toBeLessThan(300);
    expect(
      (await d.app.request('/api/v1/flags', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });
});
