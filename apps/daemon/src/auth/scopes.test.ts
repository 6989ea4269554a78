import { describe, expect, it } from 'vitest';
import { createTestDaemon } from '../testing/test-daemon.js';
import type { Scope } from './scopes.js';

type Case = [method: string, path: string, needs: Scope | null];

// API.md's table, route by route: the scope each request needs (null: open).
const cases: Case[] = [
  ['GET', '/healthz', null],
  ['GET', '/readyz', null],
  ['GET', '/openapi.json', null],
  ['POST', '/ofrep/v1/evaluate/flags/x', 'evaluate'],
  ['POST', '/ofrep/v1/evaluate/flags', 'evaluate'],
  ['GET', '/api/v1/config', 'evaluate'],
  ['GET', '/api/v1/flags', 'read'],
  ['GET', '/api/v1/segments', 'read'],
  ['GET', '/api/v1/audit', 'read'],
  ['GET', '/api/v1/flagd.json', 'read'],
  ['GET', '/api/v1/packs', 'read'],
  ['GET', '/api/v1/rollouts', 'read'],
  ['GET', '/metrics', 'read'],
  ['POST', '/api/v1/rollouts/r1/pause', 'operate'],
  ['POST', '/api/v1/rollouts/r1/rollback', 'operate'],
  ['PUT', '/api/v1/flags/x', 'admin'],
  ['DELETE', '/api/v1/segments/x', 'admin'],
  ['PUT', '/api/v1/packs/x', 'admin'],
  ['POST', '/api/v1/import/flagd', 'admin'],
  ['GET', '/api/v1/tokens', 'admin'],
  ['POST', '/api/v1/tokens', 'admin'],
  ['POST', '/v1/traces', 'ingest'],
  ['POST', '/api/v1/track', 'ingest'],
];

const holds: Record<Scope, Scope[]> = {
  evaluate: ['evaluate'],
  ingest: ['ingest'],
  read: ['read'],
  operate: ['read', 'operate'],
  admin: ['evaluate', 'ingest', 'read', 'operate', 'admin'],
};

describe('route → scope rules', () => {
  const d = createTestDaemon();
  const tokens: Scope[] = ['evaluate', 'ingest', 'read', 'operate', 'admin'];

  for (const [method, path, needs] of cases) {
    it(`${method} ${path} needs ${needs ?? 'no token'}`, async () => {
      const anonymous = await d.request(path, { method, as: null });
      if (needs === null) {
        expect(anonymous.status).not.toBe(401);
        return;
      }
      expect(anonymous.status).toBe(401);
      expect((await d.request(path, { method, as: 'not-a-real-token-at-all' })).status).toBe(401);
      for (const token of tokens) {
        const res = await d.request(path, { method, as: token });
        if (holds[token].includes(needs)) expect(res.status, `${token}`).not.toBe(403);
        else expect(res.status, `${token}`).toBe(403);
        expect(res.status).not.toBe(401);
      }
    });
  }

  it('answers 401 and 403 with the JSON error shape under /api/v1', async () => {
    const unauthorized = await d.request('/api/v1/flags', { as: null });
    expect(await unauthorized.json()).toMatchObject({ code: 'unauthorized' });
    const forbidden = await d.request('/api/v1/flags', { as: 'evaluate' });
    expect(await forbidden.json()).toMatchObject({ code: 'forbidden' });
  });

  it('answers 401 and 403 without a body on OFREP', async () => {
    const res = await d.request('/ofrep/v1/evaluate/flags/x', { method: 'POST', as: 'read', json: {} });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('');
  });

  it('accepts the token as X-API-Key', async () => {
    const res = await d.app.request('/api/v1/flags', { headers: { 'x-api-key': d.tokens.read } });
    expect(res.status).toBe(200);
  });
});
