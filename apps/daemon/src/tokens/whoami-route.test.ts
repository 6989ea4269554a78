import { describe, expect, it } from 'vitest';
import type { Scope } from '../auth/scopes.js';
import { createTestDaemon } from '../testing/test-daemon.js';

describe('GET /api/v1/whoami', () => {
  const scopes: Scope[] = ['evaluate', 'ingest', 'read', 'operate', 'admin'];

  for (const scope of scopes) {
    it(`tells a ${scope} token its name and scopes`, async () => {
      const d = createTestDaemon();
      const res = await d.request('/api/v1/whoami', { as: scope });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({ name: `test-${scope}`, scopes: [scope] });
    });
  }

  it('lists every scope of a token that holds several', async () => {
    const d = createTestDaemon();
    const { token } = await (
      await d.request('/api/v1/tokens', {
        method: 'POST',
        json: { name: 'ops', scopes: ['read', 'operate'] },
      })
    ).json();
    expect(await (await d.request('/api/v1/whoami', { as: token })).json()).toEqual({
      name: 'ops',
      scopes: ['read', 'operate'],
    });
  });

  it('accepts X-API-Key as well', async () => {
    const d = createTestDaemon();
    const res = await d.request('/api/v1/whoami', { as: null, headers: { 'x-api-key': d.tokens.read } });
    expect((await res.json()).name).toBe('test-read');
  });

  it('answers 401 unauthorized without a token, with an unknown one, and after revocation', async () => {
    const d = createTestDaemon();
    const none = await d.request('/api/v1/whoami', { as: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await none.json()).code).toBe('unauthorized');
    expect((await d.request('/api/v1/whoami', { as: 'no-such-token-0123456789' })).status).toBe(401);
    const { token } = await (
      await d.request('/api/v1/tokens', { method: 'POST', json: { name: 'tmp', scopes: ['read'] } })
    ).json();
    expect((await d.request('/api/v1/whoami', { as: token })).status).toBe(200);
    await d.request('/api/v1/tokens/tmp', { method: 'DELETE' });
    expect((await d.request('/api/v1/whoami', { as: token })).status).toBe(401);
  });
});
